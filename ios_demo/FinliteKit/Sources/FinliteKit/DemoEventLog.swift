/// A built-in synthetic event log for the demo app's profile screen: one made-up user of a chosen
/// persona, deterministic for a seed, over the 30 days before `asOfMs`. No real data.
public enum DemoEventLog {
    public enum Persona: String, CaseIterable {
        case fundInvestor = "Fund investor"
        case newCustomer = "New customer"
        case drifting = "Drifting away"
    }

    /// (raw event rows in time order, the attribute row) of a synthetic user.
    public static func make(_ persona: Persona, asOfMs: Int64, seed: UInt64 = 7) -> (events: [RawRow], attributes: RawRow) {
        var rng = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        func next(_ n: Int) -> Int {  // 64-bit LCG, high bits
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        let day: Int64 = 86_400_000
        let (count, span, active): (Int, Int64, Int64) = {
            switch persona {
            case .fundInvestor: return (60, 30 * day, 0)
            case .newCustomer: return (18, 4 * day, 0)
            case .drifting: return (25, 30 * day, 18 * day)  // nothing in the last 18 days
            }
        }()
        let journeys: [[(String, String, String)]] = {
            switch persona {
            case .fundInvestor:
                return [[("login", "home", "none"), ("page_view", "funds", "fund_equity"), ("purchase", "fund_detail", "fund_equity")],
                        [("login", "home", "none"), ("page_view", "wealth", "fixed_income_wealth"), ("search", "search", "fund_bond")]]
            case .newCustomer:
                return [[("onboarding_step", "onboarding", "none"), ("onboarding_complete", "onboarding", "none"), ("page_view", "cards", "credit_card")]]
            case .drifting:
                return [[("login", "home", "none"), ("page_view", "accounts", "none"), ("logout", "home", "none")],
                        [("push_open", "messages", "none"), ("page_view", "support", "none")]]
            }
        }()
        var events: [RawRow] = []
        var t = asOfMs - active - span
        let step = span / Int64(count)
        while events.count < count {
            for (type, page, product) in journeys[next(journeys.count)] where events.count < count {
                t += Int64(next(Int(step))) + 1000
                let amount = type == "purchase" ? String(1000 * (1 + next(50))) : ""
                events.append(["user_id": "demo", "timestamp": String(min(t, asOfMs - active)), "event_type": type,
                               "page": page, "product": product, "amount": amount, "dwell_ms": String(2000 + next(60_000))])
            }
        }
        let attributes: RawRow = {
            switch persona {
            case .fundInvestor:
                return ["user_id": "demo", "age": "38", "risk_level": "4", "tenure_days": "1460", "holdings": "fund_equity;fund_bond;demand_deposit_wealth", "aum_bucket": "200k-1m"]
            case .newCustomer:
                return ["user_id": "demo", "age": "24", "risk_level": "2", "tenure_days": "3", "holdings": "", "aum_bucket": "<10k"]
            case .drifting:
                return ["user_id": "demo", "age": "51", "risk_level": "", "tenure_days": "2900", "holdings": "time_deposit", "aum_bucket": "50k-200k"]
            }
        }()
        return (events, attributes)
    }
}
