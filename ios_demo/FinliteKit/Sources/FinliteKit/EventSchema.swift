/// The event and attribute schema `finlite.events/1` (finlite/data/event_schema.py): vocabularies in id
/// order. Id 0 = padding / missing, 1 = out of vocabulary, known values from 2.
public enum EventSchema {
    public static let version = "finlite.events/1"
    public static let padId: Int32 = 0
    public static let oovId: Int32 = 1
    public static let firstId: Int32 = 2

    public static let eventTypes = [
        "login", "logout", "page_view", "search", "onboarding_step", "onboarding_complete", "onboarding_abandon",
        "transfer", "purchase", "redemption", "card_payment", "repayment", "deposit", "withdrawal",
        "bill_payment", "push_open",
    ]
    public static let pages = [
        "home", "accounts", "transfer", "funds", "fund_detail", "wealth", "deposits", "cards", "credit_card",
        "loans", "mortgage", "pension", "insurance", "bills", "search", "onboarding", "messages", "settings",
        "support",
    ]
    /// Also the columns of the holdings multi-hot, in order.
    public static let products = [
        "none", "fund_equity", "fund_bond", "fund_money_market", "fixed_income_wealth", "demand_deposit_wealth",
        "time_deposit", "pension_account", "credit_card", "consumer_loan", "mortgage", "insurance", "gold", "fx",
    ]
    public static let aumBuckets = ["<10k", "10k-50k", "50k-200k", "200k-1m", "1m-5m", "5m+"]
    public static let riskLevels = [1, 2, 3, 4, 5]

    /// Id of `value` in `vocabulary`: known values from 2, anything else OOV (1).
    public static func id(of value: String, in vocabulary: [String]) -> Int32 {
        guard let i = vocabulary.firstIndex(of: value) else { return oovId }
        return firstId + Int32(i)
    }
}
