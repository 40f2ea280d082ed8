//! The helper API, declared once. This table is what rules may call: rhai
//! registration is checked against it (a test), the compile-time whitelist
//! refuses any other function, `nextbest check` suggests names from it, the
//! studio completes and documents from it (`helpers()` in the wasm API), and
//! the rule author's guide in `rules/README.md` is generated from it
//! (`nextbest helpers --markdown`; a test keeps the guide in step).

use serde::Serialize;

/// What a helper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HelperKind {
    /// `c.name`: a property of the customer.
    Property,
    /// `c.name(...)`: a method of the customer.
    Method,
    /// `name(...)`: a function that builds a result or converts a value.
    Function,
    /// `b.name`: a property of the branch context.
    BranchProperty,
    /// `b.name(...)`: a method of the branch context.
    BranchMethod,
    /// `suggest(...).name(...)`: a method of a suggestion.
    Suggestion,
    /// A function of rhai's standard library that rules may use (strings,
    /// arrays, maths). Anything of rhai's not listed is refused at compile.
    Std,
}

/// One entry of the helper API.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Helper {
    pub name: &'static str,
    pub kind: HelperKind,
    /// As a rule author writes it, e.g. `c.txn_sum(kind, days)`.
    pub signature: &'static str,
    /// What it gives back, e.g. `float (CNY)`.
    pub returns: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn h(
    name: &'static str,
    kind: HelperKind,
    signature: &'static str,
    returns: &'static str,
    zh: &'static str,
    en: &'static str,
) -> Helper {
    Helper {
        name,
        kind,
        signature,
        returns,
        zh,
        en,
    }
}

use HelperKind::{
    BranchMethod as BM, BranchProperty as BP, Function as F, Method as M, Property as P, Std as S, Suggestion as G,
};

/// Every name a rule may use, in the order the guide lists them.
pub const HELPERS: &[Helper] = &[
    // The customer's properties.
    h("id", P, "c.id", "string", "客户号", "The bank's customer id"),
    h(
        "name",
        P,
        "c.name",
        "string",
        "客户姓名（无则为空）",
        "Name, \"\" if none",
    ),
    h(
        "kind",
        P,
        "c.kind",
        "string",
        "individual（个人）或 corporate（对公）",
        "\"individual\" or \"corporate\"",
    ),
    h(
        "segment",
        P,
        "c.segment",
        "string",
        "客户层级：mass、mass_affluent、affluent、private",
        "Segment: mass, mass_affluent, affluent, private",
    ),
    h("age", P, "c.age", "int or ()", "年龄，未知为 ()", "Age, () if unknown"),
    h(
        "risk_rating",
        P,
        "c.risk_rating",
        "int or ()",
        "风险评估等级 C1–C5 记为 1–5，未评估为 ()",
        "Suitability rating C1–C5 as 1–5, () if unrated",
    ),
    h(
        "aum",
        P,
        "c.aum",
        "float (CNY)",
        "在我行金融资产（元）",
        "Assets under management here, CNY",
    ),
    h(
        "avg_daily_balance",
        P,
        "c.avg_daily_balance",
        "float (CNY)",
        "日均余额（元）",
        "Average daily balance, CNY",
    ),
    h(
        "registered_capital",
        P,
        "c.registered_capital",
        "float (CNY)",
        "对公客户注册资本（元），无则为 0",
        "Corporate registered capital, CNY; 0 if none",
    ),
    h(
        "occupation",
        P,
        "c.occupation",
        "string",
        "职业（无则为空）",
        "Occupation, \"\" if none",
    ),
    h(
        "address_area",
        P,
        "c.address_area",
        "string",
        "居住或办公区域（无则为空）",
        "Home or office area, \"\" if none",
    ),
    h(
        "purpose",
        P,
        "c.purpose",
        "string",
        "本次来访目的（无则为空）",
        "Today's visit purpose, \"\" if none",
    ),
    h(
        "waiting",
        P,
        "c.waiting",
        "bool",
        "客户正在大厅等候叫号",
        "The customer is waiting in the hall",
    ),
    h(
        "channel",
        P,
        "c.channel",
        "string",
        "当前服务岗位：teller、vip_teller、lobby、psm、cm",
        "Who is serving: teller, vip_teller, lobby, psm, cm",
    ),
    h(
        "marketing_consent",
        P,
        "c.marketing_consent",
        "bool",
        "客户同意接受产品推介",
        "The customer agreed to be offered products",
    ),
    h(
        "record_consent",
        P,
        "c.record_consent",
        "bool",
        "客户同意登记为商机并转介",
        "The customer agreed to be recorded as a lead and referred",
    ),
    h(
        "high_value",
        P,
        "c.high_value",
        "bool",
        "信号规则已识别为高价值客户",
        "A signal rule flagged the customer as high value",
    ),
    h(
        "grade",
        P,
        "c.grade",
        "string",
        "等级规则给出的客户等级 A–D，尚无则为空",
        "The prospect grade A–D the grade rules gave, \"\" if none yet",
    ),
    h(
        "account_count",
        P,
        "c.account_count",
        "int",
        "持有的账户个数",
        "Number of accounts held",
    ),
    h(
        "holding_count",
        P,
        "c.holding_count",
        "int",
        "持有的产品笔数",
        "Number of product holdings",
    ),
    h(
        "products_held",
        P,
        "c.products_held",
        "int",
        "持有的不同产品和账户种类数",
        "Distinct products and account types held",
    ),
    h(
        "applications",
        P,
        "c.applications",
        "array of strings",
        "今日申请开立的项目",
        "What the customer applies for today",
    ),
    h(
        "stated_needs",
        P,
        "c.stated_needs",
        "array of strings",
        "客户表达的需求",
        "Needs the customer stated",
    ),
    // The customer's methods.
    h(
        "txn_sum",
        M,
        "c.txn_sum(kind, days)",
        "float (CNY)",
        "近 days 天（含今天）该类交易金额合计，折合人民币；kind 也可以是一组类型，如 p.investment_kinds",
        "Total of that kind of transaction in the last days (today included), CNY; kind may be a list of kinds, e.g. p.investment_kinds",
    ),
    h(
        "txn_count",
        M,
        "c.txn_count(kind, days)",
        "int",
        "近 days 天该类交易笔数（kind 可以是一组类型）",
        "Number of that kind of transaction in the last days (kind may be a list)",
    ),
    h(
        "txn_max",
        M,
        "c.txn_max(kind, days)",
        "float (CNY)",
        "近 days 天该类单笔最大金额，折合人民币（kind 可以是一组类型）",
        "Largest single transaction of that kind in the last days, CNY (kind may be a list)",
    ),
    h(
        "txn_sum_in",
        M,
        "c.txn_sum_in(kind, currency, days)",
        "float (CNY)",
        "近 days 天该币种该类交易金额合计，折合人民币",
        "Total of that kind of transaction in that currency in the last days, CNY",
    ),
    h(
        "txn_count_in",
        M,
        "c.txn_count_in(kind, currency, days)",
        "int",
        "近 days 天该币种该类交易笔数",
        "Number of that kind of transaction in that currency in the last days",
    ),
    h(
        "txn_max_in",
        M,
        "c.txn_max_in(kind, currency, days)",
        "float (CNY)",
        "近 days 天该币种该类单笔最大金额，折合人民币",
        "Largest single transaction of that kind in that currency in the last days, CNY",
    ),
    h(
        "txn_count_all",
        M,
        "c.txn_count_all(days)",
        "int",
        "近 days 天各类交易笔数合计",
        "Number of transactions of every kind in the last days",
    ),
    h(
        "has_account",
        M,
        "c.has_account(type)",
        "bool",
        "持有该类账户",
        "Holds an account of this type",
    ),
    h(
        "account_tier",
        M,
        "c.account_tier(type)",
        "string",
        "该类账户的最高等级（standard、gold、platinum），无则为空",
        "Highest tier of that account type (standard, gold, platinum), \"\" if none",
    ),
    h(
        "has_tier",
        M,
        "c.has_tier(tier)",
        "bool",
        "任一账户达到该等级或以上（gold 含 platinum）",
        "Any account at that tier or above (gold includes platinum)",
    ),
    h(
        "account_balance",
        M,
        "c.account_balance(type)",
        "float (CNY)",
        "该类账户余额合计",
        "Total balance of that account type",
    ),
    h(
        "holds",
        M,
        "c.holds(product_or_family)",
        "bool",
        "持有该产品或该系列产品（如 wm）",
        "Holds the product or any of its family (e.g. wm)",
    ),
    h(
        "holding_amount",
        M,
        "c.holding_amount(product_or_family)",
        "float (CNY)",
        "该产品或系列的持有金额",
        "Amount held in the product or family",
    ),
    h(
        "matures_within",
        M,
        "c.matures_within(product_or_family, days)",
        "bool",
        "该产品或系列在 days 天内到期",
        "The product or family matures within the days",
    ),
    h(
        "applies",
        M,
        "c.applies(x)",
        "bool",
        "今日申请开立 x",
        "Applies for x today",
    ),
    h(
        "needs",
        M,
        "c.needs(x)",
        "bool",
        "客户表达了需求 x",
        "Stated the need x",
    ),
    h(
        "visit_for",
        M,
        "c.visit_for(purpose)",
        "bool",
        "本次来访目的是 purpose",
        "Today's visit is for this purpose",
    ),
    h(
        "visit_for_any",
        M,
        "c.visit_for_any(list)",
        "bool",
        "本次来访目的在 list 之中（如 p.product_purposes）",
        "Today's visit purpose is one of the list (e.g. p.product_purposes)",
    ),
    h(
        "applies_any",
        M,
        "c.applies_any(list)",
        "bool",
        "今日申请了 list 中任一项",
        "Applies today for any item of the list",
    ),
    h(
        "needs_any",
        M,
        "c.needs_any(list)",
        "bool",
        "表达了 list 中任一需求",
        "Stated any need of the list",
    ),
    h(
        "passes",
        M,
        "c.passes(test)",
        "bool",
        "筛选规则判定通过该项择优测试（未判定为 false）",
        "A screen rule passed this screening test (false if undecided)",
    ),
    h(
        "decided",
        M,
        "c.decided(test)",
        "bool",
        "筛选规则已判定该项测试（通过或未通过）",
        "A screen rule decided this test, passed or not",
    ),
    h(
        "accepted_today",
        M,
        "c.accepted_today()",
        "string",
        "今天最近一次接受的产品号（无则为空）",
        "Product last accepted today, \"\" if none",
    ),
    h(
        "declined_today",
        M,
        "c.declined_today()",
        "string",
        "今天最近一次婉拒的产品号（无则为空）",
        "Product last declined today, \"\" if none",
    ),
    h(
        "field",
        M,
        "c.field(name)",
        "any or ()",
        "客户记录中契约未列出的字段，无则为 ()",
        "A field the customer contract does not name, or ()",
    ),
    // The branch context (who is free, queues, VIP seats): `b`.
    h(
        "known",
        BP,
        "b.known",
        "bool",
        "调用方提供了网点现场情况（否则 b 的一切都是“不知道”）",
        "The caller gave the branch context (without it everything on b is unknown)",
    ),
    h(
        "vip_full",
        BP,
        "b.vip_full",
        "bool",
        "VIP服务区已满（空位数已知为 0）",
        "The VIP area is full (its free seats are known to be 0)",
    ),
    h(
        "free",
        BM,
        "b.free(role)",
        "bool",
        "该岗位（teller、vip_teller、lobby、psm、cm、head）有人空闲；不知道为 false",
        "Someone in the role (teller, vip_teller, lobby, psm, cm, head) is available; false when unknown",
    ),
    h(
        "busy",
        BM,
        "b.busy(role)",
        "bool",
        "该岗位有人在岗且全部正忙或暂离；不知道为 false",
        "The role has staff on duty and all are busy or away; false when unknown",
    ),
    h(
        "queue",
        BM,
        "b.queue(counter)",
        "int or ()",
        "该柜台（teller、vip_teller、psm）排队人数，不知道为 ()",
        "People waiting at the counter (teller, vip_teller, psm), () if unknown",
    ),
    // Results and conversions.
    h(
        "suggest",
        F,
        "suggest(product, reason_zh, reason_en)",
        "Suggestion",
        "推介一个产品（交叉销售、提升销售或转介规则）",
        "Propose a product (cross-sell, up-sell or referral rules)",
    ),
    h(
        "route",
        F,
        "route(destination, reason_zh, reason_en)",
        "Route",
        "引导客户去往某处（分流规则）",
        "Send the customer somewhere (route rules)",
    ),
    h(
        "high_value",
        F,
        "high_value(signal, zh, en)",
        "Signal",
        "标记高价值信号（信号规则）",
        "Raise a high-value signal (signal rules)",
    ),
    h(
        "screen",
        F,
        "screen(test, passed, zh, en)",
        "Screen",
        "判定一项择优测试（筛选规则）",
        "Decide one screening test (screen rules)",
    ),
    h(
        "grade",
        F,
        "grade(letter, zh, en)",
        "Grade",
        "给出客户等级 A–D（等级规则）",
        "Give the prospect grade A–D (grade rules)",
    ),
    h("note", F, "note(zh, en)", "Note", "给员工的提示", "A hint for staff"),
    h(
        "cny",
        F,
        "cny(amount, currency)",
        "float (CNY)",
        "按 pack.json 汇率折合人民币",
        "Convert to CNY at pack.json's fx_rates",
    ),
    h(
        "yuan",
        F,
        "yuan(amount)",
        "string",
        "金额写成 ¥80,000",
        "An amount as ¥80,000",
    ),
    h(
        "product_simple",
        F,
        "product_simple(id)",
        "bool",
        "柜员可当场办结的产品（未知为 false）",
        "A teller can complete it on the spot (false if unknown)",
    ),
    h(
        "product_risk",
        F,
        "product_risk(id)",
        "int or ()",
        "产品风险等级 1–5（未知为 ()）",
        "The product's risk level 1–5 (() if unknown)",
    ),
    h(
        "product_name",
        F,
        "product_name(id)",
        "string",
        "产品中文名（未知则原样返回）",
        "The product's Chinese name (the id itself if unknown)",
    ),
    h(
        "product_name_en",
        F,
        "product_name_en(id)",
        "string",
        "产品英文名（未知则原样返回）",
        "The product's English name (the id itself if unknown)",
    ),
    h(
        "label",
        F,
        "label(list, id)",
        "string",
        "pack.json labels 中该项的中文名（如 label(\"purpose\", c.purpose)），没有则原样返回",
        "The Chinese name of the id in pack.json labels (e.g. label(\"purpose\", c.purpose)); the id itself if none",
    ),
    h(
        "label_en",
        F,
        "label_en(list, id)",
        "string",
        "pack.json labels 中该项的英文名，没有则原样返回",
        "The English name of the id in pack.json labels; the id itself if none",
    ),
    h(
        "lookup",
        F,
        "lookup(map, key, default)",
        "any",
        "取 map 中 key 的值，没有则返回 default（不会报错）",
        "The map's value for key, or default when it has none (never fails)",
    ),
    h(
        "pitch",
        G,
        "suggest(...).pitch(zh, en)",
        "Suggestion",
        "指定一句话推介话术",
        "Give the one-line pitch",
    ),
    h(
        "to",
        G,
        "suggest(...).to(destination)",
        "Suggestion",
        "转介去向",
        "Where a referral sends the customer",
    ),
    h(
        "boost",
        G,
        "suggest(...).boost(points)",
        "Suggestion",
        "调整排序分（每条规则合计不超过 policy.max_boost）",
        "Adjust the ranking score (at most policy.max_boost per rule in all)",
    ),
    h(
        "then",
        G,
        "route(...).then(zh, en)",
        "Route",
        "分流的第二步（如“再取号办理取现”）",
        "A route's second step (e.g. \"then take a number for the withdrawal\")",
    ),
    // rhai's standard library: what rules may use of it.
    h(
        "len",
        S,
        "x.len()",
        "int",
        "字符串、数组或映射的长度",
        "Length of a string, array or map",
    ),
    h("is_empty", S, "x.is_empty()", "bool", "是否为空", "Whether it is empty"),
    h(
        "contains",
        S,
        "x.contains(v)",
        "bool",
        "是否包含（也写作 v in x）",
        "Whether it contains v (also v in x)",
    ),
    h(
        "index_of",
        S,
        "x.index_of(v)",
        "int",
        "v 的位置，没有为 -1",
        "Position of v, -1 if absent",
    ),
    h(
        "get",
        S,
        "x.get(i)",
        "any or ()",
        "取数组第 i 项或映射的键，没有为 ()",
        "Array item i or map key, () if absent",
    ),
    h(
        "filter",
        S,
        "array.filter(|x| ...)",
        "array",
        "保留满足条件的项（每项计入运算次数）",
        "Items that pass the test (each counts against the budget)",
    ),
    h(
        "map",
        S,
        "array.map(|x| ...)",
        "array",
        "逐项转换",
        "Each item transformed",
    ),
    h(
        "some",
        S,
        "array.some(|x| ...)",
        "bool",
        "是否有一项满足",
        "Whether any item passes",
    ),
    h(
        "all",
        S,
        "array.all(|x| ...)",
        "bool",
        "是否每项都满足",
        "Whether every item passes",
    ),
    h(
        "find",
        S,
        "array.find(|x| ...)",
        "any or ()",
        "第一个满足条件的项",
        "The first item that passes",
    ),
    h(
        "reduce",
        S,
        "array.reduce(|sum, x| ..., init)",
        "any",
        "累计",
        "Fold the items into one value",
    ),
    h(
        "push",
        S,
        "array.push(v)",
        "()",
        "在数组末尾加一项",
        "Add an item at the end",
    ),
    h("pop", S, "array.pop()", "any", "取出最后一项", "Take the last item"),
    h("sort", S, "array.sort()", "()", "排序", "Sort in place"),
    h("reverse", S, "array.reverse()", "()", "倒序", "Reverse in place"),
    h("keys", S, "map.keys()", "array", "映射的键", "A map's keys"),
    h("values", S, "map.values()", "array", "映射的值", "A map's values"),
    h("to_upper", S, "s.to_upper()", "string", "转大写", "Upper case"),
    h("to_lower", S, "s.to_lower()", "string", "转小写", "Lower case"),
    h(
        "trim",
        S,
        "s.trim()",
        "()",
        "去掉首尾空白（原地）",
        "Trim whitespace in place",
    ),
    h(
        "starts_with",
        S,
        "s.starts_with(t)",
        "bool",
        "以 t 开头",
        "Starts with t",
    ),
    h("ends_with", S, "s.ends_with(t)", "bool", "以 t 结尾", "Ends with t"),
    h(
        "sub_string",
        S,
        "s.sub_string(start, len)",
        "string",
        "子串",
        "Part of a string",
    ),
    h("split", S, "s.split(t)", "array", "按 t 拆分", "Split at t"),
    h("to_string", S, "x.to_string()", "string", "转为文字", "As text"),
    h(
        "parse_int",
        S,
        "parse_int(s)",
        "int",
        "文字转整数",
        "Text to an integer",
    ),
    h(
        "parse_float",
        S,
        "parse_float(s)",
        "float",
        "文字转小数",
        "Text to a number",
    ),
    h("to_int", S, "x.to_int()", "int", "取整", "To an integer"),
    h("to_float", S, "x.to_float()", "float", "转为小数", "To a float"),
    h("abs", S, "abs(x)", "number", "绝对值", "Absolute value"),
    h("round", S, "x.round()", "float", "四舍五入", "Rounded"),
    h("floor", S, "x.floor()", "float", "向下取整", "Rounded down"),
    h("ceiling", S, "x.ceiling()", "float", "向上取整", "Rounded up"),
    h("min", S, "min(a, b)", "number", "较小者", "The smaller"),
    h("max", S, "max(a, b)", "number", "较大者", "The larger"),
    h(
        "range",
        S,
        "range(from, to)",
        "range",
        "整数区间（for 循环用）",
        "A range of integers (for loops)",
    ),
    h(
        "type_of",
        S,
        "type_of(x)",
        "string",
        "值的类型名",
        "The value's type name",
    ),
    // rhai writes a closure that uses an outer variable (`|x| x in p.list`)
    // as `curry`; it only binds values to that closure.
    h(
        "curry",
        S,
        "(written by rhai for closures)",
        "closure",
        "闭包引用外部变量时由 rhai 生成",
        "Generated by rhai when a closure uses an outer variable",
    ),
];

/// The entry for `name`, if rules may call it.
pub fn helper(name: &str) -> Option<&'static Helper> {
    HELPERS.iter().find(|h| h.name == name)
}

/// rhai functions that exist but are refused, with the reason a rule author reads.
pub fn refused(name: &str) -> Option<&'static str> {
    Some(match name {
        "sleep" => "rules may not wait: they run while a customer is at the counter",
        "print" | "debug" => "rules may not print: use note(zh, en) for a hint to staff",
        "timestamp" | "elapsed" => "rules may not read the clock: use the customer's dates and c.txn_sum(kind, days)",
        "Fn" | "call" | "is_def_fn" | "is_def_var" => "rules may not call functions by name: write the call itself",
        "eval" => "rules may not evaluate text as code",
        _ => return None,
    })
}

/// The closest helper name to `name`, for "did you mean …?".
pub fn did_you_mean(name: &str, kinds: &[HelperKind]) -> Option<&'static str> {
    HELPERS
        .iter()
        .filter(|h| kinds.contains(&h.kind))
        .map(|h| (edit_distance(name, h.name), h.name))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4) && *d < name.len().max(1))
        .min()
        .map(|(_, n)| n)
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The guide's helper reference, as Markdown (`nextbest helpers --markdown`).
pub fn markdown() -> String {
    let mut out = String::new();
    let sections = [
        (HelperKind::Property, "Customer properties (客户属性)"),
        (HelperKind::Method, "Customer methods (客户方法)"),
        (HelperKind::BranchProperty, "Branch context properties (网点现场情况)"),
        (HelperKind::BranchMethod, "Branch context methods (网点现场情况的方法)"),
        (HelperKind::Function, "Results and conversions (结果与换算)"),
        (HelperKind::Suggestion, "On a suggestion or route (推介与分流的修饰)"),
        (HelperKind::Std, "From rhai's standard library (标准库中允许使用的)"),
    ];
    for (kind, title) in sections {
        out.push_str(&format!(
            "\n#### {title}\n\n| helper | returns | 说明 | meaning |\n| --- | --- | --- | --- |\n"
        ));
        for h in HELPERS.iter().filter(|h| h.kind == kind) {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                h.signature.replace('|', "\\|"),
                h.returns,
                h.zh,
                h.en
            ));
        }
    }
    out
}

/// The signatures of what `api.rs` registers into rhai (no standard
/// library), for the test that holds registration and this table together.
#[doc(hidden)]
#[cfg(not(target_arch = "wasm32"))]
pub fn registered_signatures() -> Vec<String> {
    let ctx = std::rc::Rc::new(super::api::ApiContext {
        catalogue: Default::default(),
        destinations: Default::default(),
        fx: Default::default(),
        current_kind: std::cell::Cell::new(crate::pack::RuleKind::Signal),
        max_boost: 0.0,
        grading: Default::default(),
        labels: Default::default(),
    });
    let mut engine = rhai::Engine::new_raw();
    super::api::register(&mut engine, ctx);
    engine.gen_fn_signatures(true)
}
