//! Deterministic synthetic sample customers (`nextbest samples`).
//!
//! The committed `rules/samples/customers.json` is `generate(20261124, 200)`
//! pretty-printed; the demo, the benchmark and the web page run on it, and
//! `tests/samples.rs` checks that the file still equals the generator's output.
//!
//! Randomness comes from a tiny in-file SplitMix64 and integer arithmetic
//! only, not from the `rand` crate: `rand` does not promise the same stream
//! across versions, and the committed file must stay byte-identical across
//! dependency updates. (Object keys come out in alphabetical order because
//! serde_json's map is a `BTreeMap` unless its `preserve_order` feature is on;
//! the test catches it if a dependency ever turns that on.)
//!
//! Every customer gets its own generator seeded from `(seed, index)`, so
//! `generate(s, 10)` is the first ten of `generate(s, 200)`.
//!
//! Coverage does not rest on luck: customers `C0001`… take the scenarios of
//! the `ARCHETYPES` table in order, and they come round a second time spread among
//! the random mixes that follow (every third customer after the first pass),
//! so each scenario appears at least twice in any run of 200.
//!
//! All visits fall on the business days of the week of 2026-11-23 (Mon–Fri,
//! branch time UTC+8); transactions lie in the 60 days before the visit.

use serde_json::{json, Value};

/// A small, fast, well-mixed 64-bit generator (Steele, Lea & Flood 2014).
/// Written out here so its output can never change under us; the benchmark
/// pads customers with it too.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0), by multiply-shift: no floats.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// A multiple of `step` in `lo..=hi` (both taken as multiples of `step`).
    fn amount(&mut self, lo: u64, hi: u64, step: u64) -> u64 {
        self.range(lo.div_ceil(step), hi / step) * step
    }

    /// True with probability `p` percent.
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for &(item, w) in items {
            if roll < w {
                return item;
            }
            roll -= w;
        }
        items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------- calendar

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Branch time, e.g. `2026-11-24T10:15:00+08:00`.
/// `2026-11-24T10:30:00+08:00`: a Unix time as branch time (UTC+8).
pub fn branch_time(unix: i64) -> String {
    let local = unix + 8 * 3600;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn stamp(day: i64, minute: u64) -> String {
    format!("{}T{:02}:{:02}:00+08:00", date(day), minute / 60, minute % 60)
}

// ------------------------------------------------------------- vocabulary

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "田", "董", "潘", "袁", "蔡", "蒋",
    "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪",
    "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷",
    "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "戴", "孔", "汤", "欧阳",
    "司马", "上官",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "英", "华", "玉", "兰", "建", "国", "文", "辉", "鹏", "飞", "宇", "浩", "婷", "雪", "琳", "晨", "欣",
    "怡", "子", "轩", "梓", "涵", "睿", "博", "思", "雨", "佳", "俊", "晓", "志", "海", "春", "红", "丹", "萍", "燕",
    "荣", "成", "嘉", "宁", "安", "德", "昊", "然", "悦", "瑶", "彤", "凯", "峰", "斌", "倩", "慧", "颖", "鑫", "振",
];

const COMPANY_WORDS: &[&str] = &[
    "华信", "恒泰", "瑞丰", "金诚", "鼎盛", "宏达", "远航", "天合", "博源", "嘉禾", "新元", "汇通", "百川", "云帆",
    "启明", "海越", "正和", "同益", "安顺", "祥瑞", "众诚", "德润", "凯旋", "明远", "朗润", "卓越", "华晟", "锦程",
    "永安", "中嘉",
];

const DISTRICTS: &[&str] = &["城东", "城西", "江北", "新港", "开发", "滨湖", "南湖", "北塘"];

const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159",
    "166", "177", "180", "181", "185", "186", "187", "188", "189", "199",
];

const HIGH_INCOME: &[&str] = &[
    "doctor",
    "lawyer",
    "executive",
    "business_owner",
    "pilot",
    "professor",
    "finance",
];
const ORDINARY_JOBS: &[&str] = &[
    "teacher",
    "engineer",
    "clerk",
    "nurse",
    "civil_servant",
    "sales",
    "driver",
    "factory_worker",
    "freelancer",
    "shop_owner",
    "programmer",
    "accountant",
];
const ORDINARY_AREAS: &[&str] = &["residential", "old_town", "suburban", "university_district"];
const HIGH_END_AREAS: &[&str] = &["high_end_residential", "cbd_office"];
const CORP_AREAS: &[&str] = &["industrial_park", "commercial_street", "high_tech_zone"];

/// `(industry, key industry?, name words)`; key industries as in the pack's `key_industries`.
const INDUSTRIES: &[(&str, bool, &[&str])] = &[
    (
        "manufacturing",
        false,
        &["精密制造", "机械制造", "五金制品", "电子元件"],
    ),
    ("retail", false, &["商贸", "连锁超市", "服饰"]),
    ("logistics", false, &["物流", "供应链管理", "运输"]),
    ("construction", false, &["建设工程", "建筑装饰", "路桥工程"]),
    ("catering", false, &["餐饮管理", "食品"]),
    ("trading", false, &["进出口贸易", "国际贸易"]),
    ("real_estate", false, &["置业", "物业管理"]),
    ("energy", true, &["新能源", "能源科技", "光伏科技"]),
    ("utilities", true, &["水务", "燃气", "环保科技"]),
    ("healthcare", true, &["医疗器械", "医药", "生物科技"]),
    ("education", true, &["教育科技", "职业培训"]),
    ("high_tech", true, &["信息技术", "软件", "智能科技", "半导体"]),
    ("government", true, &[]),
];
const GOV_UNITS: &[&str] = &[
    "财政局",
    "教育局",
    "卫生健康局",
    "住房保障中心",
    "公共资源交易中心",
    "市政管理处",
];

/// Products an earlier contact may have been about.
const PERSONAL_PITCHES: &[&str] = &[
    "wm.product",
    "inv.fund",
    "ins.policy",
    "dep.large_cd",
    "bond.treasury",
    "card.gold",
    "card.platinum",
    "ch.channel",
    "fx.trading_acct",
    "pm.gold_acct",
    "plan.financial",
    "loan.loan",
];
const CORP_PITCHES: &[&str] = &[
    "corp.payroll",
    "loan.financing",
    "stl.acceptance",
    "ch.channel",
    "wm.product",
];
const STAFF: &[&str] = &["teller", "vip_teller", "lobby", "psm", "cm"];

const PERSONAL_APPLICATIONS: &[&str] = &[
    "fx_account",
    "gold_account",
    "wealth_account",
    "credit_card_gold",
    "credit_card_platinum",
    "safe_deposit_box",
    "loan",
];
const CORP_APPLICATIONS: &[&str] = &[
    "settlement_account",
    "special_fund_account",
    "safe_deposit_box",
    "loan",
    "acceptance_bill",
    "letter_of_credit",
];
const CORP_NEEDS: &[&str] = &[
    "business_loan",
    "fx_remittance",
    "wealth_management",
    "complex_investment_advice",
];

/// `(purpose, weight)` for a visit no scenario or application decides.
const PURPOSES: &[(&str, u64)] = &[
    ("cash_deposit", 14),
    ("cash_withdrawal", 14),
    ("transfer", 10),
    ("fx_exchange", 6),
    ("bill_payment", 9),
    ("balance_inquiry", 8),
    ("passbook_update", 7),
    ("loan_inquiry", 4),
    ("loan_prepayment", 3),
    ("wealth_inquiry", 10),
    ("safe_deposit_box", 2),
    ("cd_loss_report", 1),
    ("complaint", 2),
];

// ---------------------------------------------------------------- the draft

/// Asset bands, which also decide the segment (by the final AUM).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Band {
    Mass,
    MassAffluent,
    Affluent,
    Private,
}

impl Band {
    fn of_aum(aum: u64) -> Band {
        match aum {
            0..100_000 => Band::Mass,
            100_000..500_000 => Band::MassAffluent,
            500_000..6_000_000 => Band::Affluent,
            _ => Band::Private,
        }
    }

    fn segment(self) -> &'static str {
        match self {
            Band::Mass => "mass",
            Band::MassAffluent => "mass_affluent",
            Band::Affluent => "affluent",
            Band::Private => "private",
        }
    }

    /// A target AUM inside the band.
    fn aum(self, rng: &mut SplitMix64) -> u64 {
        match self {
            Band::Mass => rng.amount(3_000, 95_000, 100),
            Band::MassAffluent => rng.amount(110_000, 480_000, 1_000),
            Band::Affluent => rng.amount(550_000, 5_500_000, 10_000),
            Band::Private => rng.amount(6_200_000, 30_000_000, 100_000),
        }
    }

    /// How much bigger this band's everyday amounts are.
    fn scale(self) -> u64 {
        match self {
            Band::Mass => 1,
            Band::MassAffluent => 3,
            Band::Affluent => 8,
            Band::Private => 20,
        }
    }

    fn vip(self) -> bool {
        self >= Band::Affluent
    }
}

struct Acct {
    kind: &'static str,
    tier: &'static str,
    opened: i64,
    balance: u64,
}

struct Hold {
    product: &'static str,
    amount: u64,
    matures: Option<i64>,
}

struct Txn {
    kind: &'static str,
    amount: u64,
    currency: &'static str,
    day: i64,
    minute: u64,
    channel: &'static str,
    /// Put there by a scenario or a large event: kept when trimming to 30.
    forced: bool,
}

struct Cont {
    product: &'static str,
    day: i64,
    minute: u64,
    outcome: &'static str,
    by: &'static str,
}

struct Draft {
    id: String,
    corporate: bool,
    band: Band,
    name: String,
    contact: String,
    age: Option<u64>,
    risk: Option<u64>,
    occupation: Option<&'static str>,
    area: &'static str,
    capital: Option<u64>,
    industry: Option<&'static str>,
    corp_size: Option<&'static str>,
    accounts: Vec<Acct>,
    holdings: Vec<Hold>,
    txns: Vec<Txn>,
    applications: Vec<&'static str>,
    needs: Vec<&'static str>,
    purpose: Option<&'static str>,
    visit_day: i64,
    visit_minute: u64,
    waiting: bool,
    lobby_busy: bool,
    marketing: bool,
    record: bool,
    contacts: Vec<Cont>,
    /// Set by scenarios that need a particular average daily balance.
    avg_daily_balance: Option<u64>,
    /// A new-to-bank customer: no accounts, holdings, transactions or history.
    new_to_bank: bool,
}

impl Draft {
    fn liquid_account(&mut self) -> Option<&mut Acct> {
        let kind = if self.corporate { "settlement" } else { "savings" };
        self.accounts.iter_mut().find(|a| a.kind == kind)
    }

    /// A transaction `days` days before the visit, at a plausible time for its channel.
    fn txn(&mut self, rng: &mut SplitMix64, kind: &'static str, amount: u64, currency: &'static str, days: i64) {
        let channel = channel_for(rng, kind, amount, currency, self.band);
        let minute = if matches!(channel, "counter" | "vip_counter") {
            rng.range(540, 1010)
        } else {
            rng.range(420, 1380)
        };
        self.txns.push(Txn {
            kind,
            amount,
            currency,
            day: self.visit_day - days,
            minute,
            channel,
            forced: false,
        });
    }

    /// A large transaction within the pack's 30-day window (1–25 days ago).
    fn large(&mut self, rng: &mut SplitMix64, kind: &'static str, currency: &'static str, lo: u64, hi: u64) -> u64 {
        let step = if hi >= 1_000_000 { 10_000 } else { 1_000 };
        let amount = rng.amount(lo, hi, step);
        let days = rng.range(1, 25) as i64;
        self.txn(rng, kind, amount, currency, days);
        if let Some(t) = self.txns.last_mut() {
            t.forced = true;
        }
        amount
    }

    fn hold(&mut self, product: &'static str, amount: u64, matures: Option<i64>) {
        self.holdings.retain(|h| h.product != product);
        self.holdings.push(Hold {
            product,
            amount,
            matures,
        });
    }

    /// A holding maturing `lo..=hi` days after the visit.
    fn maturing(&mut self, rng: &mut SplitMix64, product: &'static str, amount: u64, lo: u64, hi: u64) {
        let day = self.visit_day + rng.range(lo, hi) as i64;
        self.hold(product, amount, Some(day));
    }

    /// A contact at the visit itself: the pitch this customer just answered.
    fn contact_today(&mut self, product: &'static str, outcome: &'static str, by: &'static str) {
        self.contacts.push(Cont {
            product,
            day: self.visit_day,
            minute: self.visit_minute,
            outcome,
            by,
        });
    }

    fn contact_ago(
        &mut self,
        rng: &mut SplitMix64,
        product: &'static str,
        outcome: &'static str,
        by: &'static str,
        days: u64,
    ) {
        self.contacts.push(Cont {
            product,
            day: self.visit_day - days as i64,
            minute: rng.range(540, 1010),
            outcome,
            by,
        });
    }

    /// Government units do not borrow or trade: give the firm a commercial industry.
    fn commercial(&mut self, rng: &mut SplitMix64) {
        if self.industry == Some("government") {
            self.industry = Some(rng.pick(&["manufacturing", "retail", "construction", "high_tech"]));
        }
    }

    /// No high-value cue: an ordinary job and address, nothing asked for.
    fn set_ordinary(&mut self, rng: &mut SplitMix64) {
        self.occupation = Some(rng.pick(ORDINARY_JOBS));
        self.area = rng.pick(ORDINARY_AREAS);
        self.applications.clear();
        self.needs.clear();
    }
}

// -------------------------------------------------------------- scenarios

/// The scenarios the first customers take, in order: `(name, corporate, band)`
/// with bands 0 mass … 3 private; `None`: corporates get theirs from firm size.
/// The band is where the customer's assets start; the segment is worked out
/// from the final AUM.
const ARCHETYPES: &[(&str, bool, Option<u8>)] = &[
    ("large_cash_withdrawal", false, Some(1)),
    ("large_cash_deposit", false, Some(0)),
    ("card_only_platinum", false, Some(1)),
    ("card_only_gold", false, Some(0)),
    ("vip_accepted_lobby_busy", false, Some(2)),
    ("accepted_without_record_consent", false, Some(1)),
    ("ordinary_passbook", false, Some(0)),
    ("ordinary_counter_fx", false, Some(0)),
    ("waiting_wealth_interest", false, Some(1)),
    ("corp_settlement_high_capital", true, None),
    ("safe_deposit_box", false, Some(2)),
    ("large_loan_prepayment", false, Some(1)),
    ("wealth_maturing_7d", false, Some(2)),
    ("large_cd_maturing_30d", false, Some(2)),
    ("private_banking_need", false, Some(3)),
    ("conservative_child_education", false, Some(1)),
    ("declined_today", false, Some(1)),
    ("fx_usd_overseas_study", false, Some(2)),
    ("fx_eur_remittance", false, Some(1)),
    ("fx_hkd", false, Some(2)),
    ("deposit_certificate", false, Some(1)),
    ("cd_loss_report", false, Some(2)),
    ("bond_purchase", false, Some(1)),
    ("gold_purchase", false, Some(2)),
    ("fund_and_insurance_purchase", false, Some(2)),
    ("wealth_purchase", false, Some(3)),
    ("executive_card_and_home", false, Some(1)),
    ("time_deposit_maturity", false, Some(1)),
    ("large_inflows", false, Some(2)),
    ("fx_account_opening", false, Some(1)),
    ("wealth_account_opening", false, Some(1)),
    ("gold_account_opening", false, Some(2)),
    ("corp_special_fund", true, None),
    ("corp_working_capital", true, None),
    ("corp_acceptance_bill", true, None),
    ("corp_letter_of_credit", true, None),
    ("complaint", false, Some(2)),
    ("no_consent_large_cash", false, Some(1)),
    ("home_loan", false, Some(1)),
    ("retirement_deposit_maturing", false, Some(1)),
    ("high_daily_balance_professional", false, Some(2)),
    ("corp_key_industry_inflows", true, None),
    ("private_cash", false, Some(3)),
    ("not_now_recent", false, Some(1)),
    ("ordinary_bill_payment", false, Some(0)),
    ("corp_fx_trading", true, None),
    ("corp_new_project", true, None),
    ("private_fx_mix", false, Some(3)),
];

fn band_of(b: u8) -> Band {
    match b {
        0 => Band::Mass,
        1 => Band::MassAffluent,
        2 => Band::Affluent,
        _ => Band::Private,
    }
}

/// The scenario the customer at `index` (0-based; id `C0001` is index 0)
/// was built from, or `None` for a random mix. For tests and demos that want
/// a particular case without searching for it.
pub fn scenario(index: usize) -> Option<&'static str> {
    archetype_for(index).map(|a| ARCHETYPES[a].0)
}

/// Which scenario customer `i` takes, if any.
fn archetype_for(i: usize) -> Option<usize> {
    let k = ARCHETYPES.len();
    if i < k {
        return Some(i);
    }
    let j = i - k;
    (j % 3 == 0 && j / 3 < k).then_some(j / 3)
}

fn apply_archetype(name: &str, rng: &mut SplitMix64, d: &mut Draft) {
    let counter = if d.band.vip() { "vip_teller" } else { "teller" };
    match name {
        "large_cash_withdrawal" => {
            d.large(rng, "cash_withdrawal", "CNY", 60_000, 200_000);
            d.holdings.retain(|h| !h.product.starts_with("wm."));
            d.purpose = Some("cash_withdrawal");
            d.contacts.clear();
            (d.marketing, d.record) = (true, true);
        }
        "large_cash_deposit" => {
            // Also hands in a gold-card form: a card applicant who is high value.
            d.large(rng, "cash_deposit", "CNY", 50_000, 150_000);
            d.applications = vec!["credit_card_gold"];
            d.needs.clear();
            d.purpose = Some("cash_deposit");
        }
        "card_only_platinum" | "card_only_gold" => {
            let card = if name == "card_only_platinum" {
                "credit_card_platinum"
            } else {
                "credit_card_gold"
            };
            d.applications = vec![card];
            d.needs.clear();
            d.purpose = Some("card_application");
            d.txns.retain(|t| !t.forced);
        }
        "vip_accepted_lobby_busy" => {
            d.contact_today("wm.product", "accepted", "vip_teller");
            d.lobby_busy = true;
            (d.marketing, d.record) = (true, true);
            d.purpose = Some("cash_deposit");
        }
        "accepted_without_record_consent" => {
            d.contact_today("inv.fund", "accepted", "teller");
            (d.marketing, d.record) = (true, false);
            d.risk = Some(rng.range(3, 4));
            d.purpose = Some("cash_withdrawal");
        }
        "ordinary_passbook" | "ordinary_bill_payment" => {
            d.set_ordinary(rng);
            d.purpose = Some(if name == "ordinary_passbook" {
                "passbook_update"
            } else {
                "bill_payment"
            });
            d.waiting = name == "ordinary_bill_payment";
        }
        "ordinary_counter_fx" => {
            d.set_ordinary(rng);
            // A small exchange last month: nothing here is large.
            let usd = rng.amount(200, 1_500, 100);
            let days = rng.range(5, 40) as i64;
            d.txn(rng, "fx_exchange", usd, "USD", days);
            d.purpose = Some("fx_exchange");
            d.waiting = true;
        }
        "waiting_wealth_interest" => {
            d.waiting = true;
            d.needs = vec!["wealth_management"];
            d.purpose = Some("cash_deposit");
            d.risk = Some(rng.range(2, 4));
        }
        "corp_settlement_high_capital" => {
            d.capital = Some(rng.amount(10_000_000, 120_000_000, 1_000_000));
            d.corp_size = Some(if d.capital > Some(50_000_000) {
                "large"
            } else {
                "medium"
            });
            d.applications = vec!["settlement_account"];
            d.purpose = Some("account_opening");
            d.new_to_bank = true;
        }
        "safe_deposit_box" => {
            d.applications = vec!["safe_deposit_box"];
            d.purpose = Some("safe_deposit_box");
        }
        "large_loan_prepayment" => {
            d.large(rng, "loan_prepayment", "CNY", 100_000, 500_000);
            d.purpose = Some("loan_prepayment");
        }
        "wealth_maturing_7d" => {
            let amount = rng.amount(200_000, 800_000, 10_000);
            d.maturing(rng, "wm.product", amount, 1, 7);
            d.purpose = Some("balance_inquiry");
        }
        "large_cd_maturing_30d" => {
            let amount = rng.amount(200_000, 1_000_000, 10_000);
            d.maturing(rng, "dep.large_cd", amount, 8, 30);
            d.purpose = Some("transfer");
        }
        "private_banking_need" => {
            let fund = d.large(rng, "fund_purchase", "CNY", 200_000, 1_000_000);
            d.hold("inv.fund", fund, None);
            d.needs = vec!["complex_investment_advice"];
            d.occupation = Some("business_owner");
            d.area = "high_end_residential";
            d.risk = Some(rng.range(3, 5));
            d.purpose = Some("wealth_inquiry");
        }
        "conservative_child_education" => {
            d.risk = Some(1);
            d.age = Some(rng.range(32, 45));
            d.needs = vec!["child_education"];
            d.applications = vec!["wealth_account"];
            d.purpose = Some("wealth_inquiry");
        }
        "declined_today" => {
            d.large(rng, "cash_deposit", "CNY", 50_000, 120_000);
            d.contact_today("wm.product", "declined", "teller");
            d.purpose = Some("cash_deposit");
        }
        "fx_usd_overseas_study" => {
            d.large(rng, "deposit_certificate", "CNY", 300_000, 800_000);
            d.large(rng, "fx_exchange", "USD", 8_000, 30_000);
            d.needs = vec!["overseas_study"];
            d.age = Some(rng.range(42, 55));
            d.purpose = Some("fx_exchange");
        }
        "fx_eur_remittance" => {
            d.large(rng, "fx_exchange", "EUR", 6_000, 20_000);
            d.needs = vec!["fx_remittance"];
            d.purpose = Some("fx_exchange");
        }
        "fx_hkd" => {
            d.large(rng, "fx_exchange", "HKD", 60_000, 300_000);
            d.purpose = Some("fx_exchange");
        }
        "deposit_certificate" => {
            d.large(rng, "deposit_certificate", "CNY", 200_000, 600_000);
            d.needs = vec!["overseas_study"];
            d.purpose = Some("fx_exchange");
        }
        "cd_loss_report" => {
            let amount = d.large(rng, "cd_loss_report", "CNY", 200_000, 1_000_000);
            d.maturing(rng, "dep.large_cd", amount, 60, 700);
            d.purpose = Some("cd_loss_report");
        }
        "bond_purchase" => {
            let amount = d.large(rng, "bond_purchase", "CNY", 50_000, 300_000);
            d.maturing(rng, "bond.treasury", amount, 300, 1_100);
            d.age = Some(rng.range(56, 75));
            d.contact_today("bond.treasury", "accepted", counter);
            d.purpose = Some("passbook_update");
        }
        "gold_purchase" => {
            let amount = d.large(rng, "gold_purchase", "CNY", 50_000, 200_000);
            d.hold("pm.metal", amount, None);
            d.risk = Some(d.risk.unwrap_or(3).max(3));
            d.purpose = Some("cash_deposit");
        }
        "fund_and_insurance_purchase" => {
            d.risk = Some(rng.range(3, 5));
            let fund = d.large(rng, "fund_purchase", "CNY", 50_000, 300_000);
            d.hold("inv.fund", fund, None);
            let policy = d.large(rng, "insurance_purchase", "CNY", 50_000, 200_000);
            d.hold("ins.policy", policy, None);
            d.purpose = Some("wealth_inquiry");
        }
        "wealth_purchase" => {
            let amount = d.large(rng, "wealth_purchase", "CNY", 200_000, 2_000_000);
            d.maturing(rng, "wm.product", amount, 90, 370);
            d.purpose = Some("transfer");
        }
        "executive_card_and_home" => {
            d.occupation = Some("executive");
            d.area = "cbd_office";
            d.age = Some(rng.range(32, 48));
            d.txns.retain(|t| t.kind != "salary_credit");
            let pay = rng.amount(35_000, 80_000, 100);
            let payday = rng.range(5, 15) as i64;
            for days in [payday, payday + 30] {
                d.txn(rng, "salary_credit", pay, "CNY", days);
            }
            d.applications = vec!["credit_card_platinum"];
            d.needs = vec!["home_purchase"];
            d.purpose = Some("card_application");
        }
        "time_deposit_maturity" => {
            d.large(rng, "time_deposit_maturity", "CNY", 100_000, 450_000);
            d.purpose = Some("transfer");
        }
        "large_inflows" => {
            for _ in 0..3 {
                d.large(rng, "transfer_in", "CNY", 200_000, 400_000);
            }
            d.purpose = Some("transfer");
        }
        "fx_account_opening" => {
            d.applications = vec!["fx_account"];
            d.needs = vec!["fx_remittance"];
            d.purpose = Some("account_opening");
        }
        "wealth_account_opening" => {
            let amount = d.large(rng, "bond_purchase", "CNY", 50_000, 200_000);
            d.maturing(rng, "bond.treasury", amount, 300, 1_100);
            d.applications = vec!["wealth_account"];
            d.needs = vec!["retirement"];
            d.age = Some(rng.range(50, 62));
            d.purpose = Some("account_opening");
        }
        "gold_account_opening" => {
            let amount = d.large(rng, "gold_purchase", "CNY", 50_000, 150_000);
            d.hold("pm.metal", amount, None);
            d.applications = vec!["gold_account"];
            d.risk = Some(rng.range(3, 5));
            d.purpose = Some("account_opening");
        }
        "corp_special_fund" => {
            d.industry = Some(rng.pick(&["government", "education", "healthcare"]));
            d.applications = vec!["special_fund_account"];
            d.purpose = Some("account_opening");
        }
        "corp_working_capital" => {
            d.commercial(rng);
            d.applications = vec!["loan", "acceptance_bill"];
            d.needs = vec!["business_loan"];
            d.purpose = Some("loan_inquiry");
        }
        "corp_acceptance_bill" => {
            d.commercial(rng);
            d.applications = vec!["acceptance_bill"];
            d.needs = vec!["business_loan"];
            d.purpose = Some("loan_inquiry");
        }
        "corp_letter_of_credit" => {
            d.industry = Some(rng.pick(&["trading", "manufacturing"]));
            d.applications = vec!["letter_of_credit"];
            d.purpose = Some("loan_inquiry");
        }
        "complaint" => {
            // Unhappy with a wealth product bought last month, and moving money out.
            let amount = d.large(rng, "wealth_purchase", "CNY", 100_000, 500_000);
            d.maturing(rng, "wm.product", amount, 60, 360);
            d.large(rng, "cash_withdrawal", "CNY", 50_000, 150_000);
            d.purpose = Some("complaint");
            d.marketing = true;
        }
        "no_consent_large_cash" => {
            d.large(rng, "cash_withdrawal", "CNY", 80_000, 300_000);
            (d.marketing, d.record) = (false, false);
            d.purpose = Some("cash_withdrawal");
        }
        "home_loan" => {
            d.applications = vec!["loan"];
            d.needs = vec!["home_purchase"];
            d.age = Some(rng.range(26, 40));
            d.purpose = Some("loan_inquiry");
        }
        "retirement_deposit_maturing" => {
            let policy = d.large(rng, "insurance_purchase", "CNY", 50_000, 150_000);
            d.hold("ins.policy", policy, None);
            d.age = Some(rng.range(58, 68));
            d.occupation = Some("retiree");
            d.needs = vec!["retirement", "insurance"];
            let amount = rng.amount(50_000, 200_000, 1_000);
            d.maturing(rng, "dep.deposit", amount, 1, 7);
            d.purpose = Some("bill_payment");
        }
        "high_daily_balance_professional" => {
            d.occupation = Some(rng.pick(&["doctor", "lawyer", "professor"]));
            d.area = "high_end_residential";
            let balance = rng.amount(300_000, 900_000, 1_000);
            if let Some(a) = d.liquid_account() {
                a.balance = balance;
            }
            d.avg_daily_balance = Some(balance * rng.range(90, 110) / 100);
            d.waiting = true;
            d.lobby_busy = true;
            d.purpose = Some("balance_inquiry");
        }
        "corp_key_industry_inflows" => {
            d.industry = Some(rng.pick(&["energy", "utilities", "healthcare", "high_tech"]));
            for _ in 0..rng.range(2, 4) {
                d.large(rng, "transfer_in", "CNY", 300_000, 2_000_000);
            }
            d.large(rng, "cash_deposit", "CNY", 50_000, 200_000);
            d.purpose = Some("cash_deposit");
        }
        "private_cash" => {
            d.occupation = Some("business_owner");
            d.large(rng, "cash_withdrawal", "CNY", 100_000, 500_000);
            d.needs = vec!["wealth_management"];
            d.purpose = Some("cash_withdrawal");
        }
        "corp_fx_trading" => {
            d.industry = Some("trading");
            d.large(rng, "fx_exchange", "USD", 20_000, 200_000);
            d.needs = vec!["fx_remittance"];
            d.applications = vec!["letter_of_credit"];
            d.purpose = Some("fx_exchange");
        }
        "corp_new_project" => {
            d.industry = Some(rng.pick(&["energy", "utilities", "high_tech"]));
            d.capital = Some(rng.amount(20_000_000, 200_000_000, 1_000_000));
            d.corp_size = Some("large");
            d.applications = vec!["settlement_account", "special_fund_account"];
            d.purpose = Some("account_opening");
            d.new_to_bank = true;
        }
        "private_fx_mix" => {
            d.large(rng, "fx_exchange", "HKD", 100_000, 500_000);
            d.large(rng, "fx_exchange", "EUR", 10_000, 50_000);
            d.needs = vec!["fx_remittance"];
            d.purpose = Some("fx_exchange");
        }
        "not_now_recent" => {
            let ago = rng.range(2, 6);
            d.contact_ago(rng, "inv.fund", "not_now", "psm", ago);
            let ago = rng.range(10, 25);
            d.contact_ago(rng, "wm.product", "declined", "teller", ago);
            d.needs = vec!["insurance"];
            d.waiting = true;
            d.purpose = Some("wealth_inquiry");
        }
        _ => {}
    }
}

// ------------------------------------------------------------ generation

/// `n` sample customers from `seed`, as JSON values of the customer contract.
pub fn generate(seed: u64, n: usize) -> Vec<Value> {
    (0..n).map(|i| customer(seed, i)).collect()
}

fn customer(seed: u64, i: usize) -> Value {
    let mut rng = SplitMix64::new(seed ^ (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.next_u64();
    let archetype = archetype_for(i).map(|a| ARCHETYPES[a]);

    let corporate = match archetype {
        Some((_, corporate, _)) => corporate,
        None => rng.percent(18),
    };
    let mut d = if corporate {
        base_corporate(&mut rng, i)
    } else {
        let band = match archetype.and_then(|a| a.2) {
            Some(b) => band_of(b),
            None => rng.weighted(&[
                (Band::Mass, 52),
                (Band::MassAffluent, 30),
                (Band::Affluent, 13),
                (Band::Private, 5),
            ]),
        };
        base_individual(&mut rng, i, band)
    };
    everyday_transactions(&mut rng, &mut d);
    past_contacts(&mut rng, &mut d);

    let industry = d.industry;
    match archetype {
        Some((name, _, _)) => apply_archetype(name, &mut rng, &mut d),
        None => random_mix(&mut rng, &mut d),
    }
    if d.industry != industry {
        // The scenario chose the industry: name the firm after it.
        if let Some(&(industry, _, words)) = INDUSTRIES.iter().find(|i| Some(i.0) == d.industry) {
            d.name = company_name(&mut rng, industry, words);
        }
    }
    finish(&mut rng, d)
}

fn phone(rng: &mut SplitMix64) -> String {
    format!("{}****{:04}", rng.pick(PHONE_PREFIXES), rng.below(10_000))
}

fn person_name(rng: &mut SplitMix64) -> String {
    let mut name = rng.pick(SURNAMES).to_owned();
    name.push_str(rng.pick(GIVEN));
    if rng.percent(70) {
        name.push_str(rng.pick(GIVEN));
    }
    name
}

fn empty_draft(rng: &mut SplitMix64, i: usize, corporate: bool, band: Band) -> Draft {
    Draft {
        id: format!("C{:04}", i + 1),
        corporate,
        band,
        name: String::new(),
        contact: phone(rng),
        age: None,
        risk: None,
        occupation: None,
        area: "residential",
        capital: None,
        industry: None,
        corp_size: None,
        accounts: Vec::new(),
        holdings: Vec::new(),
        txns: Vec::new(),
        applications: Vec::new(),
        needs: Vec::new(),
        purpose: None,
        visit_day: days_from_civil(2026, 11, 23) + rng.below(5) as i64,
        visit_minute: rng.range(108, 198) * 5,
        waiting: rng.percent(35),
        lobby_busy: rng.percent(25),
        marketing: rng.percent(82),
        record: rng.percent(70),
        contacts: Vec::new(),
        avg_daily_balance: None,
        new_to_bank: false,
    }
}

fn base_individual(rng: &mut SplitMix64, i: usize, band: Band) -> Draft {
    let mut d = empty_draft(rng, i, false, band);
    d.name = person_name(rng);
    let age = match band {
        Band::Mass => rng.range(19, 78),
        Band::MassAffluent => rng.range(24, 75),
        _ => rng.range(30, 72),
    };
    d.age = Some(age);
    d.risk = (!rng.percent(15)).then(|| rng.weighted(&[(1, 10), (2, 30), (3, 35), (4, 15), (5, 10)]));
    let high_income = rng.percent(match band {
        Band::Mass => 5,
        Band::MassAffluent => 20,
        Band::Affluent => 45,
        Band::Private => 75,
    });
    d.occupation = Some(if age >= 62 && rng.percent(75) {
        "retiree"
    } else if age < 23 && rng.percent(70) {
        "student"
    } else if high_income {
        rng.pick(HIGH_INCOME)
    } else {
        rng.pick(ORDINARY_JOBS)
    });
    let high_end = rng.percent(match band {
        Band::Mass => 4,
        Band::MassAffluent => 12,
        Band::Affluent => 40,
        Band::Private => 70,
    });
    d.area = if high_end {
        rng.pick(HIGH_END_AREAS)
    } else {
        rng.pick(ORDINARY_AREAS)
    };

    // Money: a liquid part in savings, the rest across a few holdings.
    let aum = band.aum(rng);
    let liquid_pct = match band {
        Band::Mass => rng.range(40, 95),
        Band::MassAffluent => rng.range(20, 60),
        Band::Affluent => rng.range(10, 40),
        Band::Private => rng.range(5, 30),
    };
    let mut liquid = aum * liquid_pct / 100;
    let products: &[&str] = match band {
        Band::Mass => &["dep.deposit", "dep.deposit", "bond.treasury", "wm.product"],
        Band::MassAffluent => &["dep.deposit", "wm.product", "bond.treasury", "inv.fund", "ins.policy"],
        _ => &[
            "wm.product",
            "dep.large_cd",
            "inv.fund",
            "ins.policy",
            "bond.treasury",
            "pm.metal",
            "dep.deposit",
        ],
    };
    let count = match band {
        Band::Mass => rng.range(0, 1),
        Band::MassAffluent => rng.range(1, 2),
        Band::Affluent => rng.range(2, 4),
        Band::Private => rng.range(3, 5),
    };
    add_holdings(rng, &mut d, products, count, aum - liquid, &mut liquid);

    let opened = d.visit_day - rng.range(200, 7_000) as i64;
    let tier = match band {
        Band::Mass => "standard",
        Band::MassAffluent => rng.pick(&["standard", "standard", "gold"]),
        Band::Affluent => rng.pick(&["gold", "gold", "platinum"]),
        Band::Private => "platinum",
    };
    let fx = if rng.percent(match band {
        Band::Mass => 3,
        Band::MassAffluent => 10,
        Band::Affluent => 25,
        Band::Private => 40,
    }) {
        liquid * rng.range(10, 30) / 100
    } else {
        0
    };
    let gold = if rng.percent(if band.vip() { 15 } else { 5 }) {
        liquid * rng.range(5, 15) / 100
    } else {
        0
    };
    d.accounts.push(Acct {
        kind: "savings",
        tier,
        opened,
        balance: liquid - fx - gold,
    });
    if rng.percent(match band {
        Band::Mass => 25,
        Band::MassAffluent => 45,
        Band::Affluent => 60,
        Band::Private => 75,
    }) {
        let tier = match band {
            Band::Mass => rng.weighted(&[("standard", 80), ("gold", 20)]),
            Band::MassAffluent => rng.weighted(&[("standard", 40), ("gold", 50), ("platinum", 10)]),
            Band::Affluent => rng.weighted(&[("gold", 50), ("platinum", 50)]),
            Band::Private => "platinum",
        };
        let owed = rng.amount(0, 3_000 * band.scale(), 1);
        d.accounts.push(Acct {
            kind: "credit_card",
            tier,
            opened: d.visit_day - rng.range(100, 4_000) as i64,
            balance: owed,
        });
    }
    if d.holdings
        .iter()
        .any(|h| matches!(h.product, "wm.product" | "inv.fund"))
    {
        d.accounts.push(Acct {
            kind: "wealth",
            tier: "standard",
            opened: d.visit_day - rng.range(100, 3_000) as i64,
            balance: 0,
        });
    }
    for (kind, balance) in [("fx", fx), ("gold", gold)] {
        if balance > 0 {
            d.accounts.push(Acct {
                kind,
                tier: "standard",
                opened: d.visit_day - rng.range(100, 3_000) as i64,
                balance,
            });
        }
    }
    d
}

fn base_corporate(rng: &mut SplitMix64, i: usize) -> Draft {
    let size = rng.weighted(&[("small", 55), ("medium", 30), ("large", 15)]);
    let band = match size {
        "small" => rng.weighted(&[(Band::Mass, 50), (Band::MassAffluent, 40), (Band::Affluent, 10)]),
        "medium" => rng.weighted(&[(Band::MassAffluent, 40), (Band::Affluent, 55), (Band::Private, 5)]),
        _ => rng.weighted(&[(Band::Affluent, 60), (Band::Private, 40)]),
    };
    let mut d = empty_draft(rng, i, true, band);
    let (industry, _, words) = rng.pick(INDUSTRIES);
    d.industry = Some(industry);
    d.corp_size = Some(size);
    d.capital = Some(match size {
        "small" => rng.amount(500_000, 5_000_000, 100_000),
        "medium" => rng.amount(5_000_000, 50_000_000, 1_000_000),
        _ => rng.amount(50_000_000, 500_000_000, 10_000_000),
    });
    d.name = company_name(rng, industry, words);
    d.risk = rng.percent(50).then(|| rng.range(1, 4));
    d.area = if rng.percent(25) {
        "cbd_office"
    } else {
        rng.pick(CORP_AREAS)
    };
    let aum = band.aum(rng);
    let mut liquid = aum * rng.range(40, 90) / 100;
    let count = rng.range(0, 2);
    add_holdings(
        rng,
        &mut d,
        &["dep.deposit", "wm.product", "dep.large_cd"],
        count,
        aum - liquid,
        &mut liquid,
    );
    let opened = d.visit_day - rng.range(200, 5_000) as i64;
    let general = if rng.percent(30) {
        liquid * rng.range(10, 40) / 100
    } else {
        0
    };
    d.accounts.push(Acct {
        kind: "settlement",
        tier: "standard",
        opened,
        balance: liquid - general,
    });
    if general > 0 {
        d.accounts.push(Acct {
            kind: "general",
            tier: "standard",
            opened: opened + rng.range(30, 150) as i64,
            balance: general,
        });
    }
    if rng.percent(10) {
        d.accounts.push(Acct {
            kind: "special_fund",
            tier: "standard",
            opened: opened + rng.range(30, 150) as i64,
            balance: rng.amount(50_000, 2_000_000, 1_000),
        });
    }
    d
}

fn company_name(rng: &mut SplitMix64, industry: &str, words: &[&str]) -> String {
    if industry == "government" {
        return format!("{}区{}", rng.pick(DISTRICTS), rng.pick(GOV_UNITS));
    }
    let suffix = rng.weighted(&[("有限公司", 70), ("股份有限公司", 20), ("有限责任公司", 10)]);
    format!("{}{}{}", rng.pick(COMPANY_WORDS), rng.pick(words), suffix)
}

/// Spreads `invested` over `count` distinct products; what cannot be placed stays liquid.
fn add_holdings(
    rng: &mut SplitMix64,
    d: &mut Draft,
    products: &[&'static str],
    count: u64,
    invested: u64,
    liquid: &mut u64,
) {
    let mut left = invested;
    for k in 0..count {
        let mut product = rng.pick(products);
        if d.holdings.iter().any(|h| h.product == product) {
            continue;
        }
        let share = if k + 1 == count {
            left
        } else {
            left * rng.range(30, 70) / 100
        };
        let share = share / 1_000 * 1_000;
        if product == "dep.large_cd" && share < 200_000 {
            product = "dep.deposit";
        }
        if d.risk.is_none_or(|r| r <= 1) && matches!(product, "inv.fund" | "pm.metal") {
            product = "bond.treasury";
        }
        if share == 0 || d.holdings.iter().any(|h| h.product == product) {
            continue;
        }
        left -= share;
        let matures = match product {
            "dep.deposit" | "dep.large_cd" | "wm.product" | "bond.treasury" => {
                let ahead = rng.weighted(&[((1, 7), 8), ((8, 30), 12), ((31, 720), 80)]);
                Some(d.visit_day + rng.range(ahead.0, ahead.1) as i64)
            }
            _ => None,
        };
        d.holdings.push(Hold {
            product,
            amount: share,
            matures,
        });
    }
    *liquid += left;
}

fn channel_for(rng: &mut SplitMix64, kind: &str, amount: u64, currency: &str, band: Band) -> &'static str {
    let counter = if band.vip() { "vip_counter" } else { "counter" };
    match kind {
        "salary_credit" | "pension_credit" | "time_deposit_maturity" | "payroll" => "batch",
        "pos_payment" => rng.pick(&["pos", "mobile", "mobile"]),
        "bill_payment" | "card_repayment" | "tax_payment" => rng.pick(&["mobile", "online", "self_service"]),
        "cash_withdrawal" if amount < 20_000 => "atm",
        "cash_deposit" if amount < 10_000 => rng.pick(&["atm", "counter"]),
        "cash_withdrawal" | "cash_deposit" | "loan_prepayment" | "deposit_certificate" | "cd_loss_report" => counter,
        "fx_exchange" if currency == "CNY" || amount < 2_000 => "counter",
        "transfer_in" | "transfer_out" if amount < 50_000 => rng.pick(&["mobile", "mobile", "online"]),
        _ => rng.pick(&[counter, "mobile", "online"]),
    }
}

/// 0–30 ordinary transactions in the 60 days before the visit: pay, spending, bills.
fn everyday_transactions(rng: &mut SplitMix64, d: &mut Draft) {
    // Mostly short histories (the file is embedded in the wasm module), a few long ones.
    let (lo, hi) = rng.weighted(&[((0, 1), 48), ((1, 3), 32), ((3, 9), 15), ((9, 26), 5)]);
    let count = rng.range(lo, hi);
    let s = d.band.scale();
    if d.corporate {
        let size = match d.corp_size {
            Some("large") => 25,
            Some("medium") => 5,
            _ => 1,
        };
        let payday = rng.range(5, 15) as i64;
        if rng.percent(70) {
            let pay = rng.amount(30_000, 120_000, 100) * size;
            for days in [payday, payday + 30] {
                d.txn(rng, "payroll", pay, "CNY", days);
            }
        }
        for _ in 0..count {
            let kind = rng.weighted(&[
                ("transfer_in", 35),
                ("transfer_out", 35),
                ("tax_payment", 10),
                ("cash_deposit", 10),
            ]);
            let amount = match kind {
                "transfer_in" => rng.amount(5_000, 60_000 * size, 100),
                "transfer_out" => rng.amount(2_000, 50_000 * size, 100),
                "tax_payment" => rng.amount(1_000, 20_000 * size, 10),
                _ => rng.amount(1_000, 30_000, 100),
            };
            let days = rng.range(1, 60) as i64;
            d.txn(rng, kind, amount, "CNY", days);
        }
        return;
    }
    let payday = rng.range(5, 28) as i64;
    match d.occupation {
        Some("student") => {}
        Some("retiree") => {
            let pension = rng.amount(2_500, 9_000, 10);
            for days in [payday, payday + 30] {
                d.txn(rng, "pension_credit", pension, "CNY", days);
            }
        }
        Some(job) => {
            let pay = if HIGH_INCOME.contains(&job) {
                rng.amount(20_000, 60_000, 10)
            } else {
                rng.amount(4_000, 6_000 + 2_000 * s.min(8), 10)
            };
            for days in [payday, payday + 30] {
                d.txn(rng, "salary_credit", pay, "CNY", days);
            }
        }
        None => {}
    }
    let has_card = d.accounts.iter().any(|a| a.kind == "credit_card");
    for _ in 0..count {
        let kind = rng.weighted(&[
            ("pos_payment", 30),
            ("transfer_out", 15),
            ("transfer_in", 12),
            ("bill_payment", 15),
            ("card_repayment", if has_card { 10 } else { 0 }),
            ("cash_withdrawal", 10),
            ("cash_deposit", 6),
        ]);
        let amount = match kind {
            "pos_payment" => rng.amount(20, 800 * s, 1),
            "transfer_out" => rng.amount(200, 5_000 * s, 10),
            "transfer_in" => rng.amount(200, 6_000 * s, 10),
            "bill_payment" => rng.amount(30, 1_500, 1),
            "card_repayment" => rng.amount(500, 3_000 * s.min(8), 1),
            "cash_withdrawal" => rng.amount(100, 3_000, 100),
            _ => rng.amount(500, 8_000, 100),
        };
        let days = rng.range(1, 60) as i64;
        d.txn(rng, kind, amount, "CNY", days);
    }
}

/// Earlier pitches and their outcomes, up to four months back.
fn past_contacts(rng: &mut SplitMix64, d: &mut Draft) {
    if !rng.percent(40) {
        return;
    }
    let pitches = if d.corporate { CORP_PITCHES } else { PERSONAL_PITCHES };
    for _ in 0..rng.range(1, 3) {
        let product = rng.pick(pitches);
        let outcome = rng.weighted(&[("declined", 30), ("not_now", 30), ("accepted", 20), ("no_answer", 20)]);
        let by = if outcome == "no_answer" {
            rng.pick(&["psm", "cm"])
        } else {
            rng.pick(STAFF)
        };
        let days = rng.range(1, 120);
        d.contact_ago(rng, product, outcome, by, days);
    }
}

/// Customers outside the scenarios: random mixes of large business, applications and needs.
fn random_mix(rng: &mut SplitMix64, d: &mut Draft) {
    if rng.percent(35) {
        let event = if d.corporate {
            rng.pick(&[
                "cash_deposit",
                "cash_withdrawal",
                "transfer_in",
                "fx_exchange",
                "loan_prepayment",
            ])
        } else {
            rng.pick(&[
                "cash_deposit",
                "cash_withdrawal",
                "fx_exchange",
                "loan_prepayment",
                "deposit_certificate",
                "cd_loss_report",
                "bond_purchase",
                "gold_purchase",
                "fund_purchase",
                "insurance_purchase",
                "wealth_purchase",
                "time_deposit_maturity",
                "transfer_in",
                "salary_credit",
            ])
        };
        large_event(rng, d, event);
    }
    if rng.percent(if d.corporate { 40 } else { 18 }) {
        let app = if d.industry == Some("government") {
            rng.pick(&["special_fund_account", "settlement_account", "safe_deposit_box"])
        } else if d.corporate {
            rng.pick(CORP_APPLICATIONS)
        } else {
            rng.pick(PERSONAL_APPLICATIONS)
        };
        d.applications.push(app);
        if app == "settlement_account" && rng.percent(60) {
            d.capital = d.capital.map(|c| c.max(rng.amount(10_000_000, 60_000_000, 1_000_000)));
            d.new_to_bank = true;
        }
    }
    if rng.percent(45) {
        let needs: Vec<&'static str> = if d.corporate {
            CORP_NEEDS.to_vec()
        } else {
            let age = d.age.unwrap_or(40);
            let mut v = vec!["wealth_management", "insurance", "fx_remittance"];
            if (28..=50).contains(&age) {
                v.push("child_education");
            }
            if age >= 45 {
                v.push("retirement");
            }
            if (24..=45).contains(&age) {
                v.push("home_purchase");
            }
            if (18..=24).contains(&age) || (40..=55).contains(&age) {
                v.push("overseas_study");
            }
            if d.band.vip() {
                v.push("complex_investment_advice");
            }
            if matches!(d.occupation, Some("business_owner")) {
                v.push("business_loan");
            }
            v
        };
        for _ in 0..rng.range(1, 2) {
            let need = rng.pick(&needs);
            if !d.needs.contains(&need) {
                d.needs.push(need);
            }
        }
    }
    if rng.percent(10) {
        let product = if d.corporate {
            rng.pick(CORP_PITCHES)
        } else {
            rng.pick(&[
                "wm.product",
                "dep.large_cd",
                "inv.fund",
                "card.gold",
                "bond.treasury",
                "ins.policy",
            ])
        };
        let outcome = rng.pick(&["accepted", "accepted", "declined"]);
        let by = if d.band.vip() { "vip_teller" } else { "teller" };
        d.contact_today(product, outcome, by);
    }
    if d.purpose.is_none() {
        d.purpose = d.applications.first().map(|a| purpose_for_application(a));
    }
}

fn large_event(rng: &mut SplitMix64, d: &mut Draft, event: &'static str) {
    match event {
        "cash_deposit" | "cash_withdrawal" => {
            d.large(rng, event, "CNY", 50_000, 300_000);
            if rng.percent(50) {
                d.purpose = Some(event);
            }
        }
        "fx_exchange" => {
            let (currency, lo, hi) = rng.weighted(&[
                (("USD", 5_000, 50_000), 3),
                (("EUR", 5_000, 30_000), 2),
                (("HKD", 40_000, 300_000), 2),
                (("GBP", 4_000, 20_000), 1),
                (("JPY", 800_000, 5_000_000), 1),
            ]);
            d.large(rng, event, currency, lo, hi);
            if rng.percent(60) {
                d.purpose = Some("fx_exchange");
            }
        }
        "loan_prepayment" => {
            d.large(rng, event, "CNY", 100_000, 800_000);
            if rng.percent(50) {
                d.purpose = Some("loan_prepayment");
            }
        }
        "deposit_certificate" => {
            d.large(rng, event, "CNY", 200_000, 1_000_000);
        }
        "cd_loss_report" => {
            let amount = d.large(rng, event, "CNY", 200_000, 1_000_000);
            d.maturing(rng, "dep.large_cd", amount, 30, 700);
            d.purpose = Some("cd_loss_report");
        }
        "bond_purchase" | "wealth_purchase" => {
            let amount = d.large(rng, event, "CNY", 50_000, 500_000);
            let product = if event == "bond_purchase" {
                "bond.treasury"
            } else {
                "wm.product"
            };
            d.maturing(rng, product, amount, 30, 720);
        }
        "gold_purchase" | "fund_purchase" | "insurance_purchase" => {
            if event != "insurance_purchase" {
                d.risk = Some(d.risk.unwrap_or(3).max(3));
            }
            let amount = d.large(rng, event, "CNY", 50_000, 300_000);
            let product = match event {
                "gold_purchase" => "pm.metal",
                "fund_purchase" => "inv.fund",
                _ => "ins.policy",
            };
            d.hold(product, amount, None);
        }
        "time_deposit_maturity" => {
            d.large(rng, event, "CNY", 100_000, 600_000);
        }
        "transfer_in" => {
            for _ in 0..rng.range(2, 4) {
                d.large(rng, event, "CNY", 150_000, 500_000);
            }
        }
        _ => {
            // A large salary or bonus credit.
            d.large(rng, "salary_credit", "CNY", 50_000, 200_000);
        }
    }
}

fn purpose_for_application(app: &str) -> &'static str {
    match app {
        "credit_card_gold" | "credit_card_platinum" => "card_application",
        "safe_deposit_box" => "safe_deposit_box",
        "loan" | "acceptance_bill" | "letter_of_credit" => "loan_inquiry",
        _ => "account_opening",
    }
}

/// Makes the draft consistent, then writes it out as the customer contract.
fn finish(rng: &mut SplitMix64, mut d: Draft) -> Value {
    // Applying for something means not holding it yet.
    for app in d.applications.clone() {
        match app {
            "fx_account" => d.accounts.retain(|a| a.kind != "fx"),
            "gold_account" => d.accounts.retain(|a| a.kind != "gold"),
            "special_fund_account" => d.accounts.retain(|a| a.kind != "special_fund"),
            "wealth_account" => {
                d.accounts.retain(|a| a.kind != "wealth");
                let moved: u64 = d
                    .holdings
                    .iter()
                    .filter(|h| matches!(h.product, "wm.product" | "inv.fund"))
                    .map(|h| h.amount)
                    .sum();
                d.holdings.retain(|h| !matches!(h.product, "wm.product" | "inv.fund"));
                d.txns
                    .retain(|t| !matches!(t.kind, "wealth_purchase" | "fund_purchase"));
                if let Some(a) = d.liquid_account() {
                    a.balance += moved;
                }
            }
            "credit_card_gold" => d.accounts.retain(|a| a.kind != "credit_card" || a.tier == "standard"),
            "credit_card_platinum" => d.accounts.retain(|a| a.kind != "credit_card" || a.tier != "platinum"),
            _ => {}
        }
    }
    // Unrated and conservative (C1) customers hold nothing above risk 1 or 2:
    // a scenario may have set the rating after the holdings were made.
    if d.risk.is_none_or(|r| r <= 1) {
        let moved: u64 = d
            .holdings
            .iter()
            .filter(|h| matches!(h.product, "inv.fund" | "pm.metal"))
            .map(|h| h.amount)
            .sum();
        d.holdings.retain(|h| !matches!(h.product, "inv.fund" | "pm.metal"));
        if let Some(a) = d.liquid_account() {
            a.balance += moved;
        }
    }
    if d.new_to_bank {
        d.accounts.clear();
        d.holdings.clear();
        d.txns.clear();
        d.contacts.clear();
        d.avg_daily_balance = Some(0);
    }
    if d.purpose.is_none() {
        d.purpose = Some(rng.weighted(PURPOSES));
    }

    // At most 30 transactions: drop ordinary ones first, then sort by time.
    while d.txns.len() > 30 {
        match d.txns.iter().position(|t| !t.forced) {
            Some(k) => d.txns.remove(k),
            None => d.txns.remove(0),
        };
    }
    d.txns.sort_by_key(|t| (t.day, t.minute));
    d.contacts.sort_by_key(|c| (c.day, c.minute));
    d.holdings.sort_by_key(|h| h.product);

    let aum: u64 = d
        .accounts
        .iter()
        .filter(|a| a.kind != "credit_card")
        .map(|a| a.balance)
        .sum::<u64>()
        + d.holdings.iter().map(|h| h.amount).sum::<u64>();
    let segment = Band::of_aum(aum).segment();
    let avg_daily_balance = d.avg_daily_balance.unwrap_or_else(|| {
        let liquid: u64 = d
            .accounts
            .iter()
            .filter(|a| matches!(a.kind, "savings" | "settlement" | "general"))
            .map(|a| a.balance)
            .sum();
        liquid * rng.range(80, 115) / 100
    });

    let accounts: Vec<Value> = d
        .accounts
        .iter()
        .map(|a| json!({"type": a.kind, "tier": a.tier, "opened_on": date(a.opened), "balance": a.balance}))
        .collect();
    let holdings: Vec<Value> = d
        .holdings
        .iter()
        .map(|h| match h.matures {
            Some(day) => json!({"product": h.product, "amount": h.amount, "matures_on": date(day)}),
            None => json!({"product": h.product, "amount": h.amount}),
        })
        .collect();
    let transactions: Vec<Value> = d
        .txns
        .iter()
        .map(|t| {
            json!({"kind": t.kind, "amount": t.amount, "currency": t.currency,
                   "at": stamp(t.day, t.minute), "channel": t.channel})
        })
        .collect();
    let contacts: Vec<Value> = d
        .contacts
        .iter()
        .map(|c| json!({"product": c.product, "at": stamp(c.day, c.minute), "outcome": c.outcome, "by": c.by}))
        .collect();

    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "contact": d.contact,
        "kind": if d.corporate { "corporate" } else { "individual" },
        "segment": segment,
        "age": d.age,
        "risk_rating": d.risk,
        "aum": aum,
        "avg_daily_balance": avg_daily_balance,
        "registered_capital": d.capital,
        "occupation": d.occupation,
        "address_area": d.area,
        "accounts": accounts,
        "holdings": holdings,
        "transactions": transactions,
        "applications": d.applications,
        "stated_needs": d.needs,
        "visit": {
            "purpose": d.purpose,
            "at": stamp(d.visit_day, d.visit_minute),
            "waiting": d.waiting,
            "lobby_busy": d.lobby_busy,
        },
        "consent": {"marketing": d.marketing, "record": d.record},
        "contact_history": contacts,
    });
    // Fields that only apply to the other kind are left out, not null: the
    // file is embedded in the wasm module and every byte is shipped.
    if let Some(obj) = v.as_object_mut() {
        if d.corporate {
            obj.remove("age");
            obj.remove("occupation");
            obj.insert("industry".into(), json!(d.industry));
            obj.insert("corp_size".into(), json!(d.corp_size));
        } else {
            obj.remove("registered_capital");
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        let monday = days_from_civil(2026, 11, 23);
        assert_eq!(date(monday), "2026-11-23");
        // 1970-01-01 was a Thursday; 2026-11-23 is a Monday.
        assert_eq!((monday + 3).rem_euclid(7), 0);
        for day in (monday - 3_000)..(monday + 800) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 0 (reference implementation).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
