package com.finlite.demo

/**
 * A built-in synthetic user: three weeks of app events ending just before `asOfMs` (raw rows, as the events
 * and users files hold them). A young saver who browses funds, buys a money-market fund and pays a card bill.
 */
object SyntheticEventLog {
    private const val HOUR = 3_600_000L
    private const val DAY = 24 * HOUR

    /** (days before asOf, hour offset, event_type, page, product, amount, dwell_ms) */
    private val script = listOf(
        arrayOf("21", "9", "login", "home", "", "", "4200"),
        arrayOf("21", "9", "page_view", "accounts", "demand_deposit_wealth", "", "31000"),
        arrayOf("18", "20", "login", "home", "", "", "3900"),
        arrayOf("18", "20", "page_view", "funds", "fund_money_market", "", "52000"),
        arrayOf("18", "20", "page_view", "fund_detail", "fund_money_market", "", "88000"),
        arrayOf("14", "12", "login", "home", "", "", "2500"),
        arrayOf("14", "12", "transfer", "transfer", "", "1500", "41000"),
        arrayOf("10", "21", "login", "home", "", "", "3100"),
        arrayOf("10", "21", "search", "search", "", "", "12000"),
        arrayOf("10", "21", "page_view", "fund_detail", "fund_equity", "", "64000"),
        arrayOf("10", "21", "purchase", "fund_detail", "fund_money_market", "5000", "27000"),
        arrayOf("6", "8", "push_open", "messages", "", "", "6000"),
        arrayOf("6", "8", "card_payment", "cards", "credit_card", "-320.5", "15000"),
        arrayOf("2", "19", "login", "home", "", "", "2800"),
        arrayOf("2", "19", "page_view", "wealth", "fixed_income_wealth", "", "71000"),
        arrayOf("0", "-2", "bill_payment", "bills", "", "-89.9", "22000")
    )

    fun events(userId: String, asOfMs: Long): List<Map<String, String>> = script.mapIndexed { i, e ->
        val ts = asOfMs - e[0].toLong() * DAY + e[1].toLong() * HOUR - DAY / 2 + i * 60_000L
        linkedMapOf(
            "user_id" to userId, "timestamp" to ts.toString(), "event_type" to e[2], "page" to e[3],
            "product" to e[4], "amount" to e[5], "dwell_ms" to e[6]
        )
    }

    fun attributes(userId: String): Map<String, String> = linkedMapOf(
        "user_id" to userId, "age" to "29", "risk_level" to "3", "tenure_days" to "410",
        "holdings" to "demand_deposit_wealth;fund_money_market;credit_card", "aum_bucket" to "10k-50k"
    )
}
