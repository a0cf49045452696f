"""The bilingual (Chinese / English / code-mixed) phrase tables of the synthetic intent corpus.

``SLOTS[name][lang]`` are the fillers of a ``{name}`` placeholder (and the politeness ``prefix`` /
``suffix`` phrases); ``TEMPLATES[label][lang]`` the utterance templates of an intent, ``lang`` one of
``zh``, ``en``, ``mix``. Items keep their order: generation picks by index with a seeded RNG.
"""

from __future__ import annotations

__all__ = ["SLOTS", "TEMPLATES"]

# Tables: "[section]" starts a section, "key: a | b | c" adds items to it.
_SLOT_TABLE = """
[bank]
zh: 招商银行 | 工商银行 | 建设银行 | 中国银行 | 农业银行 | 交通银行 | 邮储银行 | 浦发银行 | 平安银行
en: ICBC | CMB | Bank of China | CCB | ABC | HSBC | Bank of Communications | China Merchants Bank
en: Ping An Bank
[card]
zh: 储蓄卡 | 借记卡 | 银行卡 | 工资卡 | 一类卡 | 卡
en: debit card | savings card | bank card | salary card | card | ATM card
[ccard]
zh: 信用卡 | 白金卡 | 联名信用卡 | visa卡 | 金卡
en: credit card | platinum card | visa card | mastercard | gold card
[person]
zh: 妈妈 | 我爸 | 老婆 | 老公 | 房东 | 朋友 | 同事 | 张三 | 李老师 | 我儿子
en: my mom | my dad | my wife | my husband | my landlord | a friend | my colleague | Zhang Wei | my son
[time]
zh: 今天 | 明天 | 下周一 | 这个月 | 月底 | 周末 | 下午 | 后天
en: today | tomorrow | next monday | this month | at the end of the month | this weekend | this afternoon
[month]
zh: 这个月 | 下个月 | 本月 | 三月份 | 今年 | 上个月
en: this month | next month | march | this year | last month | january
[period]
zh: 上个月 | 最近三个月 | 去年 | 这周 | 最近半年 | 三月份 | 本月
en: last month | the past 3 months | last year | this week | the last six months | march | this month
[fund]
zh: 沪深300指数基金 | 货币基金 | 债券基金 | 易方达蓝筹 | 白酒基金 | 科技ETF联接 | 新能源基金
en: the CSI 300 index fund | a money market fund | a bond fund | the tech ETF | an index fund
en: E Fund Bluechip
[currency]
zh: 美元 | 欧元 | 日元 | 港币 | 英镑 | 澳元
en: USD | euros | yen | HKD | GBP | AUD | US dollars
[country]
zh: 美国 | 英国 | 澳大利亚 | 加拿大 | 日本 | 香港 | 新加坡
en: the US | the UK | Australia | Canada | Japan | Hong Kong | Singapore
[bill]
zh: 电费 | 水费 | 燃气费 | 话费 | 宽带费 | 物业费
en: electricity bill | water bill | gas bill | phone bill | broadband bill | property fee
[place]
zh: 附近 | 公司旁边 | 地铁站附近 | 家附近 | 浦东 | 朝阳区
en: nearby | near me | near my office | around here | downtown | near the subway station
[term]
zh: 三个月 | 六个月 | 一年期 | 两年 | 91天 | 180天
en: 3-month | 6-month | one-year | two-year | 91-day | 180-day
[city]
zh: 北京 | 上海 | 深圳 | 杭州 | 成都 | 广州
en: Beijing | Shanghai | Shenzhen | Hangzhou | Chengdu | Guangzhou
[food]
zh: 奶茶 | 麻辣烫 | 披萨 | 火锅 | 汉堡 | 黄焖鸡 | 烤鸭
en: bubble tea | pizza | hotpot | a burger | sushi | dumplings | roast duck
[prefix]
zh: 请问 | 麻烦问下， | 你好， | 您好， | 在吗， | 那个， | 问一下 | 嗯
en: hi | hello, | hey | excuse me, | quick question: | hi there, | good morning,
[suffix]
zh: ，谢谢 | 谢谢 | ！ | ？ | 。 | 急 | ，在线等 | 哈 | 呢
en: please | thanks | ? | thx | asap | ! | pls | thank you
"""

_INTENT_TABLE = """
[check_balance]
zh: 我的{card}还有多少钱 | 查一下余额 | 帮我查下{bank}{card}的余额 | 账户余额是多少 | 我卡里还剩多少钱
zh: 看看我的可用余额 | 余额查询 | 工资到账了吗，余额多少 | 我现在账户里有多少钱
en: what's my balance | check my balance | how much money is in my {card}
en: can you check my {bank} account balance
en: show me my available balance | how much do i have left in my account | balance inquiry
en: did my salary arrive, what's the balance now
mix: 查一下我的balance | 我的{card}还有多少money | 帮我check一下余额 | balance还剩多少 | 我{bank}的account里还有多少钱
[transfer_money]
zh: 给{person}转{amount} | 帮我转账{amount}到{person}的卡 | 我要转账 | 怎么给别人转钱 | 转{amount}给{person}
zh: {time}给{person}转{amount}房租 | 跨行转账到{bank}怎么操作 | 我想转一笔钱到{bank}
en: transfer {amount} to {person} | send {amount} to {person} | i want to make a transfer
en: how do i send money to another account | can you move {amount} to my {bank} account
en: pay {person} {amount} for rent {time} | wire {amount} to {person}
mix: 帮我transfer {amount}到{person}的卡 | 转{amount}给{person} pls | 我要send {amount}给{person}
mix: transfer到{bank}要多久 | 怎么transfer money给朋友
[fund_purchase]
zh: 我想买{fund} | 帮我买{amount}的{fund} | 基金怎么申购 | 定投{fund}每月{amount} | 申购{fund}手续费多少
zh: 我要买基金 | 用{amount}买点{fund}
en: i want to buy {fund} | invest {amount} in {fund} | how do i purchase a fund
en: set up a monthly investment of {amount} in {fund} | buy {amount} of {fund}
en: what's the subscription fee for {fund}
mix: 我想buy {fund} | 帮我买{amount}的fund | 定投{fund} monthly {amount} | 基金subscription怎么操作
mix: 想invest {amount}到基金
[fund_redemption]
zh: 把{fund}赎回 | 我要赎回基金 | 赎回{amount}的{fund} | 基金卖出多久到账 | 怎么把基金卖掉 | {fund}全部赎回
zh: 基金赎回手续费怎么算
en: redeem my {fund} | sell {amount} of {fund} | how do i redeem a fund | i want to cash out my fund
en: when will the money from my fund redemption arrive | sell all of {fund}
mix: 我要redeem {fund} | 基金sell掉多久到账 | 帮我赎回{amount}的fund | redeem基金有手续费吗 | 把{fund}全部cash out
[fixed_income_wealth]
zh: 有没有{term}的固收理财 | 稳健型理财产品有哪些 | 我想买{amount}的定期理财 | 固定收益类理财收益率多少
zh: 推荐一款{term}封闭式理财 | 买{term}理财产品 | 有保本的理财吗 | 纯债理财怎么买
en: any {term} fixed income products | show me low risk wealth management products
en: i want to buy a {term} wealth product with {amount} | what's the yield on fixed-income products
en: buy a {term} bond wealth product | do you have principal-protected investments
mix: 有没有{term}的fixed income理财 | 想买low risk的理财产品 | {term} wealth product收益多少 | fixed income产品怎么买
mix: 用{amount}买个稳健的wealth product
[demand_deposit_wealth]
zh: 活期理财怎么买 | 把{amount}转入活期理财 | 零钱理财随时能取吗 | 活期理财的七日年化是多少 | 有没有随存随取的理财
zh: 现金管理类产品收益多少 | 闲钱放哪个活期产品好
en: how do i buy a flexible savings product | move {amount} into flexible wealth management
en: what's the 7-day annualized yield on the cash product
en: can i withdraw from the demand deposit product anytime
en: put my idle cash into a flexible product | is there a wealth product i can redeem anytime
mix: 活期理财的7-day yield多少 | 把{amount}放到flexible理财 | 零钱理财可以随时withdraw吗 | cash management产品怎么买
mix: 活期wealth product收益怎么样
[credit_card_repayment]
zh: 信用卡怎么还款 | 帮我还{ccard}的账单 | 这个月{ccard}要还多少 | 信用卡还款日是哪天 | 还{amount}信用卡
zh: 信用卡最低还款额是多少 | 设置信用卡自动还款 | 用{card}还信用卡
en: how do i pay my credit card bill | pay off my {ccard} | how much do i owe on my {ccard} this month
en: when is my credit card due date | repay {amount} on my credit card | what's the minimum payment
en: set up autopay for my credit card
mix: 我的credit card怎么还款 | 帮我还{ccard}的bill | 信用卡minimum payment多少 | 还{amount}到credit card
mix: credit card还款日是几号 | 信用卡设置auto repay
[loan_preapproval]
zh: 我能贷多少钱 | 查一下我的贷款额度 | 消费贷预审批 | 想借{amount}能批吗 | 我符合申请信用贷款的条件吗
zh: 装修贷款能批多少 | 个人贷款预审 | 信用贷额度怎么查
en: how much can i borrow | am i pre-approved for a personal loan | check my loan eligibility
en: can i get a loan of {amount} | what's my pre-approved limit for a personal loan
en: do i qualify for a consumer loan
mix: 我能borrow多少 | personal loan预审批 | 想借{amount}能approve吗 | 查一下loan额度 | 消费贷eligibility怎么查
[mortgage_preapproval]
zh: 房贷能批多少 | 买房贷款预审批 | 我想申请房贷，能贷多少 | 首套房贷款利率多少 | 公积金组合贷能贷多少
zh: 月供{amount}能贷多少房贷 | 二手房按揭能批吗
en: how much mortgage can i get | mortgage pre-approval | am i eligible for a home loan
en: what's the rate for a first home mortgage | can i get pre-approved to buy an apartment
en: with a monthly payment of {amount} how big a mortgage can i get
mix: 房贷pre-approval怎么申请 | mortgage能贷多少 | 首套房的mortgage rate多少 | 我想apply房贷 | home loan预审批要什么材料
[card_lost]
zh: 我的{card}丢了 | 卡丢了怎么挂失 | {ccard}被偷了 | 帮我挂失{bank}的卡 | 紧急冻结我的卡
zh: 钱包丢了，卡都在里面 | 银行卡找不到了 | 临时挂失{card}
en: i lost my {card} | my {ccard} was stolen | freeze my card | how do i report a lost card
en: block my card right now
en: i can't find my {card} | my wallet was stolen with my cards
mix: 我的card丢了 | 帮我freeze {ccard} | 卡被stolen了怎么办 | lost card怎么挂失 | 快帮我block这张卡
[password_reset]
zh: 忘记密码了 | 怎么重置登录密码 | 交易密码输错被锁了 | 修改{card}取款密码 | 支付密码忘了 | 手机银行密码怎么改
zh: 密码错误次数太多
en: i forgot my password | reset my login password | my account is locked after wrong pin attempts
en: change the pin on my {card} | how do i change my app password | forgot my payment password
mix: 忘记password了 | 怎么reset登录密码 | pin输错被锁了 | 帮我改一下app密码 | 交易password忘了怎么办
[pension_account]
zh: 怎么开通个人养老金账户 | 个人养老金每年能存多少 | 往养老金账户存{amount} | 个人养老金抵税怎么算
zh: 养老金账户里的钱什么时候能取 | 个人养老金能买哪些产品
en: open a personal pension account | how much can i contribute to my private pension each year
en: deposit {amount} into my pension account | what are the tax benefits of the personal pension
en: when can i withdraw from my pension account
mix: 怎么开personal pension账户 | 个人养老金的tax deduction怎么算 | 存{amount}到pension account
mix: pension账户能买什么产品 | 养老金account什么时候能取钱
[social_insurance_payment]
zh: 怎么交社保 | 帮我缴纳{month}的社保 | 灵活就业社保在哪缴费 | 城乡居民医保缴费 | 交一下养老保险 | 代缴社保{amount}
en: pay my social insurance | how do i pay social security contributions | pay medical insurance for {month}
en: pay my pension insurance as a freelancer | can i pay social insurance in the app
mix: 帮我pay社保 | 社保contribution怎么交 | 医保payment在哪 | 灵活就业social insurance缴费 | 交{month}的社保 pls
[housing_fund_withdrawal]
zh: 公积金怎么提取 | 提取公积金还房贷 | 租房能提公积金吗 | 把公积金取出来 | 公积金提取到{card}
zh: 离职了公积金怎么取 | 公积金余额能提多少
en: withdraw my housing provident fund | how do i take money out of my housing fund
en: can i use my housing fund to pay rent | withdraw from the provident fund to pay my mortgage
en: transfer my housing fund to my {card}
mix: 公积金怎么withdraw | 提取housing fund交房租 | housing fund提取到{card} | 离职后provident fund怎么取
mix: 公积金withdrawal要多久
[exchange_rate]
zh: 今天{currency}汇率多少 | {currency}兑人民币汇率 | {amount}能换多少{currency} | 现在换{currency}划算吗
zh: 查一下{currency}牌价 | 人民币兑{currency}现汇卖出价
en: what's the {currency} exchange rate today | how much is {amount} in {currency}
en: current rate for {currency} to rmb
en: show me the {currency} buying rate | is now a good time to buy {currency}
mix: {currency}的exchange rate多少 | 今天{currency} rate怎么样 | {amount}能exchange多少{currency}
mix: 查一下{currency}汇率 today | rmb兑{currency}的rate
[cross_border_remittance]
zh: 怎么汇款到{country} | 给在{country}的孩子汇{amount} | 境外汇款手续费多少 | 跨境汇款要多久到账
zh: 汇{currency}到{country}需要什么信息 | 给留学的孩子汇学费
en: send money to {country} | international wire transfer to {country}
en: how much is the fee for an overseas remittance
en: pay tuition to a university in {country} | remit {amount} to my son in {country} | what's the swift code
en: how long does a cross-border transfer take
mix: 汇款到{country}要多久 international transfer | 我要remit {amount}到{country} | 境外wire transfer手续费
mix: 给{country}的学校pay学费 | 跨境transfer需要swift code吗
[digital_yuan]
zh: 数字人民币钱包怎么开 | 开通数字人民币 | 用数币付款 | 数字人民币红包怎么领 | 把{amount}充到数字人民币钱包
zh: 数字人民币钱包绑定{card} | 数字钱包怎么用
en: open a digital yuan wallet | how do i use e-cny | top up {amount} to my e-cny wallet
en: link my {card} to the digital rmb wallet | how to claim the digital yuan red packet
mix: 数字人民币wallet怎么开 | 开通e-CNY | 往digital yuan钱包充{amount} | 数币wallet绑定{card} | e-CNY红包怎么领
[bill_payment]
zh: 交{bill} | 帮我缴{amount}{bill} | 手机充值{amount} | 给{person}充话费 | {bill}怎么交 | 交{month}的{bill}
zh: 设置{bill}自动缴费
en: pay my {bill} | top up my phone with {amount} | pay {amount} for the {bill} | recharge my phone
en: set up automatic payment for my {bill} | where do i pay utilities
mix: 帮我pay {bill} | 充值{amount}话费 top up | {bill}的payment在哪 | 给{person}的phone充{amount} | 设置{bill} auto pay
[talk_to_agent]
zh: 转人工 | 人工客服 | 我要找人工 | 怎么联系客服 | 能不能让真人接电话 | 客服电话是多少 | 机器人听不懂，转人工
en: talk to a human | i want to speak to an agent | connect me to customer service | real person please
en: what's the customer service number | this bot is useless, get me a person
mix: 转human agent | 我要找real person | 人工客服 please | customer service电话多少 | 帮我connect人工
[complaint]
zh: 我要投诉 | 你们服务太差了 | 投诉{bank}网点工作人员 | 乱扣费，我要投诉 | 转账{time}还没到，太离谱了
zh: 对你们的服务很不满意 | 信用卡年费乱收，我要投诉
en: i want to file a complaint | your service is terrible
en: i was charged a fee i never agreed to, this is unacceptable
en: complain about staff at the {bank} branch | the app keeps crashing and i'm furious
en: very disappointed with your bank
mix: 我要file a complaint | 你们的service太差了 | 乱扣fee，我要投诉 | complain一下{bank}网点 | app一直crash，太生气了
[transaction_history]
zh: 查{period}的交易明细 | 导出{period}的流水 | 看一下最近的转账记录 | 打印{card}银行流水 | {period}花了多少钱
zh: 查询消费记录 | 开一份{period}的对账单
en: show my transactions from {period} | download my statement for {period} | recent transfer history
en: export my bank statement | how much did i spend {period} | list my card transactions
mix: 导出{period}的statement | 查一下transaction记录 | 看{period}的流水 history | 最近的transfer records | 打印bank statement
[credit_card_limit_increase]
zh: 信用卡提额 | 怎么提高{ccard}额度 | 申请临时额度 | 信用卡额度太低了 | 我想把额度提到{amount}
zh: 出国旅游需要提高信用额度 | 固定额度怎么调整
en: increase my credit limit | raise the limit on my {ccard} | request a temporary limit increase
en: my credit card limit is too low | can i get my limit raised to {amount} | need a higher limit for travel
mix: 信用卡limit怎么提 | 帮我increase额度 | 申请temporary limit | {ccard}额度太low了 | 想把credit limit提到{amount}
[card_activation]
zh: 新卡怎么激活 | 激活{ccard} | 收到新{card}了，怎么开卡 | 补办的卡怎么激活 | 信用卡开卡 | 帮我激活一下卡
en: activate my new card | how do i activate my {ccard} | i just received my {card}, how do i start using it
en: activate the replacement card | card activation
mix: 帮我activate新卡 | 新的credit card怎么激活 | {card}收到了怎么activate | 补办的card怎么开卡 | 开卡activation流程
[update_phone_number]
zh: 换手机号了怎么改 | 修改预留手机号 | 银行卡绑定的手机号怎么换 | 更新联系电话 | 原手机号停用了收不到验证码
zh: 改一下{card}的预留号码
en: update my phone number | change the mobile number on my account | i got a new phone number
en: i'm not getting verification codes because my number changed | change the phone linked to my {card}
mix: 怎么update手机号 | 预留phone number怎么改 | 换了新number收不到验证码 | 帮我change绑定手机 | 收不到OTP，手机号换了
[deposit_rates]
zh: 定期存款利率多少 | {term}定期利率是多少 | 存{amount}{term}利息多少 | 大额存单利率 | 活期存款利息怎么算
zh: {bank}存款利率 | 现在存款利率降了吗
en: what are your deposit rates | interest rate for a {term} fixed deposit
en: how much interest on {amount} for {term}
en: current savings account interest rate | large-denomination cd rates | did deposit rates go down
mix: 定期deposit利率多少 | {term}的interest rate | 存{amount}利息how much | 大额存单rate | 活期存款的interest怎么算
[atm_branch_locator]
zh: {place}有{bank}网点吗 | 最近的ATM在哪 | 找一下{place}的取款机 | {bank}营业厅几点关门 | 周末营业的网点
zh: 附近能存钱的ATM | 网点地址查询
en: where is the nearest atm | find a {bank} branch {place} | branch opening hours | is there an atm {place}
en: which branches are open on weekends | cash deposit machine near me
mix: {place}有ATM吗 | 最近的branch在哪 | {bank}网点opening hours | 找个atm取钱 nearby | 周末open的网点
[large_cash_withdrawal_appointment]
zh: 预约大额取现 | {time}要取{amount}现金需要预约吗 | 大额取款怎么预约 | 想去网点取{amount}现金
zh: 取大额现金要提前几天预约 | 预约{time}去{bank}取现金
en: book a large cash withdrawal | i need to withdraw {amount} in cash {time}
en: do i need an appointment to take out a lot of cash | schedule a cash withdrawal at the {bank} branch
en: reserve cash for pickup {time}
mix: 预约large cash withdrawal | {time}要withdraw {amount}现金 | 大额取现appointment | 去branch取{amount} cash要预约吗
mix: 取现金要book吗
[out_of_scope]
zh: {city}{time}天气怎么样 | 给我讲个笑话 | 帮我点一份{food} | 附近有什么好吃的 | {time}有什么电影 | 你叫什么名字
zh: 你是机器人吗 | 推荐一只明天会涨的股票 | 比特币今天涨了吗 | 帮我订一张去{city}的机票 | 今天星期几 | 我好无聊
zh: 帮我写一首诗 | 怎么减肥 | 哪只股票能翻倍 | 这期彩票买什么号码 | 你喜欢猫还是狗 | 怎么做{food}
zh: 帮我查一下快递 | 车险怎么理赔 | 明天会下雨吗 | {city}有什么好玩的 | 放首歌听听 | 帮我炒股
en: what's the weather in {city} {time} | tell me a joke | order {food} for me | any good restaurants nearby
en: what movies are playing {time} | what's your name | are you a robot | which stock should i buy tomorrow
en: give me a hot stock tip | what's the bitcoin price | book a flight to {city} | what day is it today
en: i'm bored | write me a poem | how do i lose weight | who won the game last night
en: recommend a good tv show
en: how do i cook {food} | track my package | play some music | file a claim for my car accident
mix: {city}{time}的weather怎么样 | 讲个joke吧 | 帮我order {food} | 推荐个movie | 哪个stock明天会涨
mix: bitcoin现在多少钱 | 我好bored | 帮我book去{city}的flight | 你是robot吗 | play点music | 今天有什么news
"""


def _parse_table(spec: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """Parse the ``[section]`` / ``key: a | b`` table format used above."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in filter(None, (raw.strip() for raw in spec.splitlines())):
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, items = line.partition(":")
        current.setdefault(key.strip(), []).extend(item.strip() for item in items.split("|"))
    return {name: {k: tuple(v) for k, v in keys.items()} for name, keys in sections.items()}


SLOTS = _parse_table(_SLOT_TABLE)
TEMPLATES = _parse_table(_INTENT_TABLE)
