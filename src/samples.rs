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
//! the `ARCHETYPES` table in order (C0001–C0048; tests and the page use them
//! by id), and the `DAY_SCENARIOS` come one every seventh customer among the
//! rest, so every high-value cue, application, stated need and visit purpose
//! the pack knows appears at least three times in any run of 200.
//!
//! Everyone else is one of the day's ordinary visitors, in the proportions of
//! an urban retail branch (`VISITORS`): mostly mass customers at the counter
//! with a few thousand yuan, pensioners, mass-affluent savers, tourists
//! collecting a little foreign cash, a few small firms, the odd complaint,
//! card applicant or VIP. With the scenarios that makes roughly: mass half
//! and more, VIPs (affluent and private) one in eight, private banking 2%,
//! firms 5–8%, and the bundled pack flags a quarter to under a third as high
//! value (`tests/samples.rs` pins the mix).
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

/// The industries of the everyday firms (none a key industry).
const ROUTINE_INDUSTRIES: &[(&str, bool, &[&str])] = &[
    ("manufacturing", false, &["五金制品", "电子元件", "服装加工"]),
    ("retail", false, &["商贸", "便利店", "服饰"]),
    ("logistics", false, &["物流", "快递服务"]),
    ("construction", false, &["建筑装饰", "装修工程"]),
    ("catering", false, &["餐饮管理", "食品"]),
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

/// Counter business, `(purpose, weight)`: what most of a day's visitors come for.
const COUNTER_PURPOSES: &[(&str, u64)] = &[
    ("cash_deposit", 20),
    ("cash_withdrawal", 22),
    ("transfer", 14),
    ("bill_payment", 16),
    ("passbook_update", 12),
    ("balance_inquiry", 10),
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

    /// The rounding of the band's AUM.
    fn aum_step(self) -> u64 {
        match self {
            Band::Mass => 100,
            Band::MassAffluent => 1_000,
            Band::Affluent => 10_000,
            Band::Private => 100_000,
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

    /// A transaction through `channel`, `days` days before the visit, kept when trimming.
    fn txn_via(
        &mut self,
        rng: &mut SplitMix64,
        kind: &'static str,
        amount: u64,
        currency: &'static str,
        days: i64,
        channel: &'static str,
    ) {
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
            forced: true,
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

    /// No high-value cue and nothing asked for; unlike `set_ordinary`, a
    /// retiree or student stays one, so their pension or lack of pay still fits.
    fn plain(&mut self, rng: &mut SplitMix64) {
        if self.occupation.is_some_and(|o| HIGH_INCOME.contains(&o)) {
            self.occupation = Some(rng.pick(ORDINARY_JOBS));
        }
        if HIGH_END_AREAS.contains(&self.area) {
            self.area = rng.pick(ORDINARY_AREAS);
        }
        self.applications.clear();
        self.needs.clear();
    }

    /// An age in `lo..=hi`; someone under 60 is no longer a retiree or student
    /// (their pension credits become pay).
    fn set_age(&mut self, rng: &mut SplitMix64, lo: u64, hi: u64) {
        let age = rng.range(lo, hi);
        self.age = Some(age);
        if age < 60 && matches!(self.occupation, Some("retiree" | "student")) {
            self.occupation = Some(rng.pick(ORDINARY_JOBS));
            for t in &mut self.txns {
                if t.kind == "pension_credit" {
                    t.kind = "salary_credit";
                }
            }
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
    ("vip_teller_accepted", false, Some(2)),
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

/// Scenarios placed among the day's ordinary visitors after the first pass,
/// one every `DAY_SPACING` customers: `(name, corporate, band, look)`. They
/// make each high-value cue, application and stated need the pack knows
/// appear at least three times in 200 customers, each folded into one
/// plausible visit, and they add the ordinary cases a real day has (a small
/// time deposit maturing, a complaint about a fee, a lost passbook deposit
/// slip) so that coverage does not rest on the random mix.
const DAY_SCENARIOS: &[(&str, bool, Option<u8>, &Look)] = &[
    ("small_time_deposit_maturity", false, Some(0), &EVERYDAY_LOOK),
    ("overseas_study_fx_account", false, Some(2), &SCENARIO_LOOK),
    ("ordinary_complaint", false, Some(0), &EVERYDAY_LOOK),
    ("mortgage_prepayment_wealth_account", false, Some(1), &SCENARIO_LOOK),
    ("young_parent_education", false, Some(1), &EVERYDAY_AFFLUENT_LOOK),
    ("corp_trade_finance", true, None, &SCENARIO_LOOK),
    ("counter_accepts_mobile_banking", false, Some(0), &EVERYDAY_LOOK),
    ("gold_bars_safe_box", false, Some(2), &SCENARIO_LOOK),
    ("small_cd_loss", false, Some(0), &EVERYDAY_LOOK),
    ("elderly_large_cd_loss", false, Some(1), &PENSIONER_LOOK),
    ("pre_retiree_planning", false, Some(1), &EVERYDAY_AFFLUENT_LOOK),
    ("investor_fund_insurance_wealth", false, Some(2), &SCENARIO_LOOK),
    ("counter_declines_deposit", false, Some(0), &EVERYDAY_LOOK),
    ("fx_traveller_fx_account", false, Some(1), &SCENARIO_LOOK),
    ("small_time_deposit_maturity", false, Some(0), &PENSIONER_LOOK),
    ("corp_new_project", true, None, &SCENARIO_LOOK),
    ("ordinary_complaint", false, Some(0), &EVERYDAY_LOOK),
    ("prepay_before_new_home", false, Some(1), &SCENARIO_LOOK),
    ("young_parent_education", false, Some(1), &EVERYDAY_AFFLUENT_LOOK),
    ("cd_loss_then_safe_box", false, Some(2), &SCENARIO_LOOK),
    ("business_owner_inflows", false, Some(2), &SCENARIO_LOOK),
];

/// After the first pass, customer `ARCHETYPES.len() + DAY_OFFSET + k * DAY_SPACING`
/// takes `DAY_SCENARIOS[k]`.
const DAY_SPACING: usize = 7;
const DAY_OFFSET: usize = 3;

/// The scenario the customer at `index` (0-based; id `C0001` is index 0)
/// was built from, or `None` for one of the day's ordinary visitors. For
/// tests and demos that want a particular case without searching for it.
pub fn scenario(index: usize) -> Option<&'static str> {
    archetype_for(index).map(|a| a.0)
}

/// The scenario customer `i` takes, if any: `(name, corporate, band, look)`.
fn archetype_for(i: usize) -> Option<(&'static str, bool, Option<u8>, &'static Look)> {
    if let Some(&(name, corporate, band)) = ARCHETYPES.get(i) {
        return Some((name, corporate, band, &SCENARIO_LOOK));
    }
    let j = i - ARCHETYPES.len();
    if j % DAY_SPACING != DAY_OFFSET {
        return None;
    }
    DAY_SCENARIOS.get(j / DAY_SPACING).copied()
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
            // The cash is in the account now, so it counts in the assets too.
            let cash = d.large(rng, "cash_deposit", "CNY", 50_000, 150_000);
            if let Some(a) = d.liquid_account() {
                a.balance += cash;
            }
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
        "vip_teller_accepted" => {
            d.contact_today("wm.product", "accepted", "vip_teller");
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
            d.large(rng, "fx_exchange", "USD", 15_000, 30_000);
            d.needs = vec!["overseas_study"];
            d.age = Some(rng.range(42, 55));
            d.purpose = Some("fx_exchange");
        }
        "fx_eur_remittance" => {
            d.large(rng, "fx_exchange", "EUR", 14_000, 25_000);
            d.needs = vec!["fx_remittance"];
            d.purpose = Some("fx_exchange");
        }
        "fx_hkd" => {
            d.large(rng, "fx_exchange", "HKD", 120_000, 300_000);
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
        // ---- the day scenarios (DAY_SCENARIOS)
        "small_time_deposit_maturity" => {
            // A one-year time deposit of a few tens of thousands came due last week.
            d.plain(rng);
            let amount = rng.amount(20_000, 80_000, 1_000);
            let days = rng.range(2, 20) as i64;
            d.txn_via(rng, "time_deposit_maturity", amount, "CNY", days, "batch");
            if let Some(a) = d.liquid_account() {
                a.balance += amount;
            }
            d.purpose = Some(rng.pick(&["passbook_update", "transfer"]));
        }
        "ordinary_complaint" => {
            // The ATM gave less than it debited a few days ago.
            d.plain(rng);
            let amount = rng.amount(500, 3_000, 100);
            let days = rng.range(2, 6) as i64;
            d.txn_via(rng, "cash_withdrawal", amount, "CNY", days, "atm");
            d.purpose = Some("complaint");
            d.waiting = false;
        }
        "counter_accepts_mobile_banking" => {
            d.plain(rng);
            d.accounts.retain(|a| a.kind != "mobile_banking");
            let amount = rng.amount(60, 800, 1);
            let days = rng.range(25, 40) as i64;
            d.txn_via(rng, "bill_payment", amount, "CNY", days, "counter");
            d.contact_today("ch.channel", "accepted", "teller");
            (d.marketing, d.record) = (true, true);
            d.purpose = Some("bill_payment");
        }
        "counter_declines_deposit" => {
            d.plain(rng);
            let amount = rng.amount(2_000, 8_000, 100);
            let days = rng.range(10, 40) as i64;
            d.txn_via(rng, "cash_deposit", amount, "CNY", days, "counter");
            d.contact_today("dep.deposit", "declined", "teller");
            d.marketing = true;
            d.purpose = Some("cash_deposit");
        }
        "small_cd_loss" => {
            // Lost the slip of a small time deposit: reported by phone, here to replace it.
            d.plain(rng);
            let amount = rng.amount(5_000, 60_000, 1_000);
            d.maturing(rng, "dep.deposit", amount, 30, 700);
            let days = rng.range(1, 4) as i64;
            d.txn_via(rng, "cd_loss_report", amount, "CNY", days, "counter");
            d.purpose = Some("cd_loss_report");
        }
        "young_parent_education" => {
            d.plain(rng);
            d.set_age(rng, 30, 42);
            d.needs = vec!["child_education", "insurance"];
            d.waiting = true;
            d.purpose = Some("transfer");
        }
        "pre_retiree_planning" => {
            d.plain(rng);
            d.set_age(rng, 50, 58);
            d.needs = vec!["retirement", "wealth_management"];
            d.risk = Some(rng.range(2, 3));
            d.purpose = Some("wealth_inquiry");
        }
        "overseas_study_fx_account" => {
            // A child going abroad: proof of funds, tuition in dollars, an FX account to remit from.
            d.large(rng, "deposit_certificate", "CNY", 300_000, 800_000);
            d.large(rng, "fx_exchange", "USD", 15_000, 30_000);
            d.set_age(rng, 42, 55);
            d.occupation = Some("doctor");
            d.needs = vec!["overseas_study", "fx_remittance"];
            d.applications = vec!["fx_account"];
            d.purpose = Some("fx_exchange");
        }
        "fx_traveller_fx_account" => {
            // Changes euros and Hong Kong dollars every month; opens an FX account and a gold card.
            d.large(rng, "fx_exchange", "EUR", 14_000, 25_000);
            d.large(rng, "fx_exchange", "HKD", 120_000, 200_000);
            d.occupation = Some("executive");
            d.needs = vec!["fx_remittance"];
            d.applications = vec!["fx_account", "credit_card_gold"];
            d.purpose = Some("account_opening");
        }
        "mortgage_prepayment_wealth_account" => {
            d.large(rng, "loan_prepayment", "CNY", 100_000, 300_000);
            d.occupation = Some("lawyer");
            d.needs.clear();
            d.applications = vec!["wealth_account"];
            d.purpose = Some("loan_prepayment");
        }
        "prepay_before_new_home" => {
            // Clearing the old mortgage before buying a bigger flat.
            d.large(rng, "loan_prepayment", "CNY", 100_000, 200_000);
            d.set_age(rng, 30, 45);
            d.occupation = Some("doctor");
            d.applications.clear();
            d.needs = vec!["home_purchase"];
            d.purpose = Some("loan_prepayment");
        }
        "gold_bars_safe_box" => {
            let amount = d.large(rng, "gold_purchase", "CNY", 60_000, 200_000);
            d.hold("pm.metal", amount, None);
            d.risk = Some(d.risk.unwrap_or(3).max(3));
            d.occupation = Some("doctor");
            d.applications = vec!["gold_account", "safe_deposit_box"];
            d.purpose = Some("safe_deposit_box");
        }
        "cd_loss_then_safe_box" => {
            // Reported a large CD lost last month; now wants a box for the papers.
            let amount = d.large(rng, "cd_loss_report", "CNY", 200_000, 1_000_000);
            d.maturing(rng, "dep.large_cd", amount, 60, 700);
            d.occupation = Some("lawyer");
            d.applications = vec!["safe_deposit_box"];
            d.purpose = Some("safe_deposit_box");
        }
        "elderly_large_cd_loss" => {
            let amount = d.large(rng, "cd_loss_report", "CNY", 200_000, 300_000);
            d.maturing(rng, "dep.large_cd", amount, 60, 700);
            let bond = d.large(rng, "bond_purchase", "CNY", 50_000, 100_000);
            d.maturing(rng, "bond.treasury", bond, 300, 1_100);
            d.purpose = Some("cd_loss_report");
        }
        "investor_fund_insurance_wealth" => {
            d.risk = Some(rng.range(3, 5));
            d.occupation = Some("lawyer");
            let fund = d.large(rng, "fund_purchase", "CNY", 50_000, 300_000);
            d.hold("inv.fund", fund, None);
            let policy = d.large(rng, "insurance_purchase", "CNY", 50_000, 200_000);
            d.hold("ins.policy", policy, None);
            let wealth = d.large(rng, "wealth_purchase", "CNY", 100_000, 500_000);
            d.maturing(rng, "wm.product", wealth, 90, 370);
            d.needs = vec!["complex_investment_advice"];
            d.contact_today("wm.product", "accepted", "vip_teller");
            (d.marketing, d.record) = (true, true);
            d.purpose = Some("wealth_inquiry");
        }
        "business_owner_inflows" => {
            d.occupation = Some("business_owner");
            for _ in 0..3 {
                d.large(rng, "transfer_in", "CNY", 200_000, 400_000);
            }
            d.applications = vec!["gold_account", "credit_card_platinum"];
            d.needs = vec!["complex_investment_advice"];
            d.contact_today("wm.product", "accepted", "vip_teller");
            (d.marketing, d.record) = (true, true);
            d.purpose = Some("transfer");
        }
        "corp_trade_finance" => {
            d.industry = Some(rng.pick(&["trading", "manufacturing"]));
            d.applications = vec!["loan", "acceptance_bill", "letter_of_credit"];
            d.needs = vec!["business_loan"];
            d.purpose = Some("loan_inquiry");
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

/// [`generate`] as JSON lines, one customer a line (`nextbest samples
/// --jsonl`, the page's `generateCustomers`).
pub fn jsonl(seed: u64, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&customer(seed, i).to_string());
        out.push('\n');
    }
    out
}

/// `n` sample customers from `seed`, as JSON values of the customer contract.
pub fn generate(seed: u64, n: usize) -> Vec<Value> {
    (0..n).map(|i| customer(seed, i)).collect()
}

fn customer(seed: u64, i: usize) -> Value {
    let mut rng = SplitMix64::new(seed ^ (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.next_u64();
    match archetype_for(i) {
        Some((name, corporate, band, look)) => {
            let mut d = if corporate {
                base_corporate(&mut rng, i, false)
            } else {
                base_individual(&mut rng, i, band_of(band.unwrap_or(0)), look)
            };
            everyday_transactions(&mut rng, &mut d);
            past_contacts(&mut rng, &mut d);
            let industry = d.industry;
            apply_archetype(name, &mut rng, &mut d);
            if d.industry != industry {
                // The scenario chose the industry: name the firm after it.
                if let Some(&(industry, _, words)) = INDUSTRIES.iter().find(|i| Some(i.0) == d.industry) {
                    d.name = company_name(&mut rng, industry, words);
                }
            }
            finish(&mut rng, d)
        }
        None => {
            let d = day_visitor(&mut rng, seed, i);
            finish(&mut rng, d)
        }
    }
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
        marketing: {
            // This draw was visit.lobby_busy, now the branch context's (not
            // the customer's); still taken so every other value stays as it was.
            let _ = rng.percent(25);
            rng.percent(82)
        },
        record: rng.percent(70),
        contacts: Vec::new(),
        avg_daily_balance: None,
        new_to_bank: false,
    }
}

/// How a person is drawn: the odds of the cues that make someone look high
/// value, and the shape of their money. `None` takes the band's default.
struct Look {
    ages: Option<(u64, u64)>,
    /// Percent without a risk questionnaire.
    unrated: u64,
    /// `(rating, weight)` for the rated.
    ratings: &'static [(u64, u64)],
    /// Percent with a high-income job, and with a premium address.
    high_income: Option<u64>,
    high_end: Option<u64>,
    /// Target AUM range (the band's when `None`), drawn low-heavy when `skew`.
    aum: Option<(u64, u64)>,
    skew: bool,
    /// Percent of the AUM left in the savings account.
    liquid: Option<(u64, u64)>,
}

const RATINGS: &[(u64, u64)] = &[(1, 10), (2, 30), (3, 35), (4, 15), (5, 10)];

/// The scenarios' people: cues as likely as the band makes them.
const SCENARIO_LOOK: Look = Look {
    ages: None,
    unrated: 15,
    ratings: RATINGS,
    high_income: None,
    high_end: None,
    aum: None,
    skew: false,
    liquid: None,
};

/// An ordinary visitor: a plain job and address, modest savings, most of it
/// in the current account for a mass customer and in time deposits and
/// wealth products for a mass-affluent one (so the daily balance stays
/// ordinary too).
const EVERYDAY_LOOK: Look = Look {
    ages: None,
    unrated: 20,
    ratings: RATINGS,
    high_income: Some(1),
    high_end: Some(0),
    aum: None,
    skew: true,
    liquid: None,
};

const EVERYDAY_AFFLUENT_LOOK: Look = Look {
    high_income: Some(4),
    high_end: Some(3),
    aum: Some((110_000, 330_000)),
    liquid: Some((15, 45)),
    ..EVERYDAY_LOOK
};

/// Pensioners: older, cautious or never rated, savings in time deposits and bonds.
const PENSIONER_LOOK: Look = Look {
    ages: Some((60, 86)),
    unrated: 35,
    ratings: &[(1, 40), (2, 45), (3, 15)],
    high_income: Some(0),
    high_end: Some(0),
    aum: None,
    skew: true,
    liquid: Some((15, 45)),
};

fn base_individual(rng: &mut SplitMix64, i: usize, band: Band, look: &Look) -> Draft {
    let mut d = empty_draft(rng, i, false, band);
    d.name = person_name(rng);
    let age = match (look.ages, band) {
        (Some((lo, hi)), _) => rng.range(lo, hi),
        (None, Band::Mass) => rng.range(19, 78),
        (None, Band::MassAffluent) => rng.range(24, 75),
        (None, _) => rng.range(30, 72),
    };
    d.age = Some(age);
    d.risk = (!rng.percent(look.unrated)).then(|| rng.weighted(look.ratings));
    let high_income = rng.percent(look.high_income.unwrap_or(match band {
        Band::Mass => 5,
        Band::MassAffluent => 20,
        Band::Affluent => 45,
        Band::Private => 75,
    }));
    d.occupation = Some(if age >= 62 && rng.percent(75) {
        "retiree"
    } else if age < 23 && rng.percent(70) {
        "student"
    } else if high_income {
        rng.pick(HIGH_INCOME)
    } else {
        rng.pick(ORDINARY_JOBS)
    });
    let high_end = rng.percent(look.high_end.unwrap_or(match band {
        Band::Mass => 4,
        Band::MassAffluent => 12,
        Band::Affluent => 40,
        Band::Private => 70,
    }));
    d.area = if high_end {
        rng.pick(HIGH_END_AREAS)
    } else {
        rng.pick(ORDINARY_AREAS)
    };

    // Money: a liquid part in savings, the rest across a few holdings.
    let draw = |rng: &mut SplitMix64| match look.aum {
        Some((lo, hi)) => rng.amount(lo, hi, band.aum_step()),
        None => band.aum(rng),
    };
    let aum = if look.skew {
        // Most savers sit near the bottom of their band.
        draw(rng).min(draw(rng))
    } else {
        draw(rng)
    };
    let liquid_pct = match (look.liquid, band) {
        (Some((lo, hi)), _) => rng.range(lo, hi),
        (None, Band::Mass) => rng.range(40, 95),
        (None, Band::MassAffluent) => rng.range(20, 60),
        (None, Band::Affluent) => rng.range(10, 40),
        (None, Band::Private) => rng.range(5, 30),
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

/// A firm. `routine`: one of the small and mid-sized firms that come in for
/// everyday business (takings, tax, payroll files), in an ordinary industry
/// and area; otherwise any firm, as the scenarios want.
fn base_corporate(rng: &mut SplitMix64, i: usize, routine: bool) -> Draft {
    let size = if routine {
        rng.weighted(&[("small", 80), ("medium", 20)])
    } else {
        rng.weighted(&[("small", 55), ("medium", 30), ("large", 15)])
    };
    let band = match (size, routine) {
        ("small", true) => rng.weighted(&[(Band::Mass, 75), (Band::MassAffluent, 25)]),
        ("medium", true) => rng.weighted(&[(Band::MassAffluent, 80), (Band::Affluent, 20)]),
        ("small", _) => rng.weighted(&[(Band::Mass, 50), (Band::MassAffluent, 40), (Band::Affluent, 10)]),
        ("medium", _) => rng.weighted(&[(Band::MassAffluent, 40), (Band::Affluent, 55), (Band::Private, 5)]),
        _ => rng.weighted(&[(Band::Affluent, 60), (Band::Private, 40)]),
    };
    let mut d = empty_draft(rng, i, true, band);
    let (industry, _, words) = if routine {
        rng.pick(ROUTINE_INDUSTRIES)
    } else {
        rng.pick(INDUSTRIES)
    };
    d.industry = Some(industry);
    d.corp_size = Some(size);
    d.capital = Some(match size {
        "small" => rng.amount(500_000, 5_000_000, 100_000),
        "medium" => rng.amount(5_000_000, 50_000_000, 1_000_000),
        _ => rng.amount(50_000_000, 500_000_000, 10_000_000),
    });
    d.name = company_name(rng, industry, words);
    d.risk = rng.percent(50).then(|| rng.range(1, 4));
    d.area = if !routine && rng.percent(25) {
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

// ------------------------------------------------------ the day's visitors

/// Who walks in, for the customers no scenario decides: an ordinary day at
/// an urban retail branch. Most are mass customers at the counter, then
/// pensioners and mass-affluent savers, a few tourists collecting currency
/// and a few small firms. VIPs and card-only applicants are rare here because
/// the scenarios already bring enough of them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visitor {
    /// Cash of a few thousand, bills, a passbook, a transfer, a balance.
    Counter,
    /// An older customer drawing a pension or updating a passbook.
    Pensioner,
    /// A mass-affluent saver: counter business or a question about wealth products.
    Saver,
    /// Collects a few hundred to a few thousand in foreign currency booked on the app.
    Tourist,
    Complaint,
    CardOnly,
    /// An affluent customer on everyday business at the VIP counter.
    Vip,
    /// A small firm: takings, tax, petty cash, a new account.
    Firm,
}

const VISITORS: &[(Visitor, u64)] = &[
    (Visitor::Counter, 104),
    (Visitor::Pensioner, 36),
    (Visitor::Saver, 28),
    (Visitor::Tourist, 10),
    (Visitor::Complaint, 3),
    (Visitor::CardOnly, 2),
    (Visitor::Vip, 1),
    (Visitor::Firm, 7),
];

/// Who customer `i` is. Not an independent draw per customer: 200 visitors
/// would then bring anything from one small firm to ten. A Weyl sequence
/// (golden-ratio steps from a point the seed picks) spreads the kinds over
/// the day in their proportions for every seed and every stretch of customers,
/// and still depends on nothing but `(seed, i)`.
fn visitor_for(seed: u64, i: usize) -> Visitor {
    let start = SplitMix64::new(seed).next_u64();
    let x = start.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let total: u64 = VISITORS.iter().map(|(_, w)| w).sum();
    let mut roll = ((u128::from(x) * u128::from(total)) >> 64) as u64;
    for &(visitor, w) in VISITORS {
        if roll < w {
            return visitor;
        }
        roll -= w;
    }
    Visitor::Counter
}

/// `(currency, least, most, step)`.
type CashRange = (&'static str, u64, u64, u64);

/// The foreign cash a tourist collects, by weight: all well under the pack's
/// large-FX line.
const TOURIST_CASH: &[(CashRange, u64)] = &[
    (("USD", 500, 3_000, 100), 5),
    (("JPY", 50_000, 300_000, 10_000), 3),
    (("HKD", 2_000, 20_000, 500), 3),
    (("EUR", 500, 2_500, 100), 2),
    (("GBP", 300, 1_500, 100), 1),
    (("AUD", 500, 4_000, 100), 1),
    (("SGD", 500, 3_000, 100), 1),
];

fn day_visitor(rng: &mut SplitMix64, seed: u64, i: usize) -> Draft {
    let visitor = visitor_for(seed, i);
    let small = |rng: &mut SplitMix64| rng.weighted(&[(Band::Mass, 70), (Band::MassAffluent, 30)]);
    let mut d = match visitor {
        Visitor::Firm => base_corporate(rng, i, true),
        Visitor::Pensioner => {
            let band = small(rng);
            let mut d = base_individual(rng, i, band, &PENSIONER_LOOK);
            d.occupation = Some("retiree");
            d
        }
        Visitor::Saver => base_individual(rng, i, Band::MassAffluent, &EVERYDAY_AFFLUENT_LOOK),
        Visitor::Vip => base_individual(rng, i, Band::Affluent, &SCENARIO_LOOK),
        Visitor::Tourist | Visitor::CardOnly => match small(rng) {
            Band::Mass => base_individual(rng, i, Band::Mass, &EVERYDAY_LOOK),
            band => base_individual(rng, i, band, &EVERYDAY_AFFLUENT_LOOK),
        },
        Visitor::Counter | Visitor::Complaint => base_individual(rng, i, Band::Mass, &EVERYDAY_LOOK),
    };
    everyday_transactions(rng, &mut d);
    past_contacts(rng, &mut d);
    match visitor {
        Visitor::Counter => {
            let purpose = rng.weighted(COUNTER_PURPOSES);
            counter_visit(rng, &mut d, purpose, 1);
        }
        Visitor::Pensioner => {
            let purpose = rng.weighted(&[
                ("passbook_update", 24),
                ("cash_withdrawal", 30),
                ("balance_inquiry", 12),
                ("bill_payment", 8),
                ("cash_deposit", 8),
                ("transfer", 8),
                // Asking after the new savings-bond issue.
                ("wealth_inquiry", 6),
            ]);
            counter_visit(rng, &mut d, purpose, 1);
        }
        Visitor::Saver => {
            let purpose = rng.weighted(&[
                ("cash_deposit", 14),
                ("cash_withdrawal", 10),
                ("transfer", 18),
                ("bill_payment", 6),
                ("balance_inquiry", 6),
                ("passbook_update", 4),
                ("wealth_inquiry", 16),
                ("fx_exchange", 3),
            ]);
            if purpose == "fx_exchange" {
                tourist_cash(rng, &mut d);
            } else {
                counter_visit(rng, &mut d, purpose, 2);
            }
            if rng.percent(25) {
                saver_need(rng, &mut d);
            }
        }
        Visitor::Tourist => tourist_cash(rng, &mut d),
        Visitor::Complaint => {
            d.plain(rng);
            d.purpose = Some("complaint");
            d.waiting = false;
            d.marketing = rng.percent(50);
        }
        Visitor::CardOnly => {
            d.plain(rng);
            let card = if d.band == Band::Mass || rng.percent(60) {
                "credit_card_gold"
            } else {
                "credit_card_platinum"
            };
            d.applications = vec![card];
            d.purpose = Some("card_application");
        }
        Visitor::Vip => {
            let purpose = rng.weighted(&[
                ("cash_deposit", 12),
                ("cash_withdrawal", 10),
                ("transfer", 14),
                ("balance_inquiry", 6),
                ("passbook_update", 4),
                ("bill_payment", 4),
                ("wealth_inquiry", 20),
            ]);
            counter_visit(rng, &mut d, purpose, 5);
        }
        Visitor::Firm => firm_visit(rng, &mut d),
    }
    // Now and then the teller has already made today's one-line pitch.
    if d.marketing && visitor != Visitor::Complaint && rng.percent(8) {
        let (product, by) = if d.band.vip() {
            (rng.pick(&["wm.product", "dep.large_cd", "ins.policy"]), "vip_teller")
        } else if d.corporate {
            ("corp.payroll", "teller")
        } else {
            (
                rng.pick(&["ch.channel", "dep.deposit", "bond.treasury", "card.gold"]),
                "teller",
            )
        };
        let outcome = rng.weighted(&[("accepted", 45), ("declined", 55)]);
        d.contact_today(product, outcome, by);
    }
    d
}

/// Counter business for `purpose`; a regular's earlier visits for the same
/// thing, of a few thousand yuan (times `scale`), are in the history.
fn counter_visit(rng: &mut SplitMix64, d: &mut Draft, purpose: &'static str, scale: u64) {
    d.purpose = Some(purpose);
    let counter = if d.band.vip() { "vip_counter" } else { "counter" };
    let earlier = rng.range(0, 2);
    for _ in 0..earlier {
        let days = rng.range(8, 58) as i64;
        match purpose {
            "cash_deposit" => {
                let amount = rng.amount(1_000, 8_000 * scale, 100);
                d.txn_via(rng, "cash_deposit", amount, "CNY", days, counter);
            }
            "cash_withdrawal" => {
                let amount = rng.amount(500, 5_000 * scale, 100);
                d.txn_via(rng, "cash_withdrawal", amount, "CNY", days, counter);
            }
            "transfer" => {
                let amount = rng.amount(500, 20_000 * scale, 100);
                d.txn_via(rng, "transfer_out", amount, "CNY", days, counter);
            }
            "bill_payment" => {
                let amount = rng.amount(50, 1_200, 1);
                d.txn_via(rng, "bill_payment", amount, "CNY", days, counter);
            }
            _ => {}
        }
    }
}

/// Foreign cash booked on the app a day or three ago, collected today.
fn tourist_cash(rng: &mut SplitMix64, d: &mut Draft) {
    let (currency, lo, hi, step) = rng.weighted(TOURIST_CASH);
    let amount = rng.amount(lo, hi, step);
    let days = rng.range(1, 3) as i64;
    d.txn_via(rng, "fx_exchange", amount, currency, days, "mobile");
    if rng.percent(30) {
        // The last trip.
        let (currency, lo, hi, step) = rng.weighted(TOURIST_CASH);
        let amount = rng.amount(lo, hi, step);
        let days = rng.range(20, 58) as i64;
        d.txn_via(rng, "fx_exchange", amount, currency, days, "counter");
    }
    d.purpose = Some("fx_exchange");
}

/// A need a saver mentions: none of them a high-value cue on its own.
fn saver_need(rng: &mut SplitMix64, d: &mut Draft) {
    let age = d.age.unwrap_or(40);
    let mut needs = vec!["wealth_management", "insurance"];
    if (28..=50).contains(&age) {
        needs.push("child_education");
    }
    if age >= 45 {
        needs.push("retirement");
    }
    if (40..=55).contains(&age) {
        needs.push("overseas_study");
    }
    let need = rng.pick(&needs);
    if !d.needs.contains(&need) {
        d.needs.push(need);
    }
}

/// A small firm's errand: the shop's takings, tax, petty cash, or a new
/// settlement account with a modest registered capital.
fn firm_visit(rng: &mut SplitMix64, d: &mut Draft) {
    let purpose = rng.weighted(&[
        ("cash_deposit", 30),
        ("transfer", 22),
        ("bill_payment", 14),
        ("cash_withdrawal", 10),
        ("account_opening", 14),
        ("balance_inquiry", 5),
    ]);
    d.purpose = Some(purpose);
    for _ in 0..rng.range(1, 3) {
        let days = rng.range(3, 58) as i64;
        match purpose {
            "cash_deposit" => {
                let amount = rng.amount(5_000, 45_000, 100);
                d.txn_via(rng, "cash_deposit", amount, "CNY", days, "counter");
            }
            "cash_withdrawal" => {
                let amount = rng.amount(2_000, 20_000, 100);
                d.txn_via(rng, "cash_withdrawal", amount, "CNY", days, "counter");
            }
            "bill_payment" => {
                let amount = rng.amount(1_000, 30_000, 10);
                d.txn_via(rng, "tax_payment", amount, "CNY", days, "counter");
            }
            _ => {}
        }
    }
    if purpose == "account_opening" {
        // A new firm (or a branch of one) opening its basic account here.
        d.capital = Some(rng.amount(500_000, 8_000_000, 100_000));
        d.corp_size = Some("small");
        d.applications = vec!["settlement_account"];
        d.new_to_bank = true;
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
        d.purpose = Some(rng.weighted(COUNTER_PURPOSES));
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
