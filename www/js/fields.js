// What is wrong with a customer record, said plainly: Chinese first, with
// the field named as staff would say it and as the record spells it, and
// the engine's own English beside it. Field names are the customer
// contract's (www/customer.schema.json), fixed by the engine, not the pack.

const FIELD_ZH = {
  id: "客户号",
  name: "姓名",
  kind: "类型",
  segment: "客户层级",
  risk_rating: "风险评级",
  aum: "在本行资产",
  avg_daily_balance: "日均余额",
  age: "年龄",
  occupation: "职业",
  address_area: "居住区域",
  registered_capital: "注册资本",
  contact: "联系方式",
  stated_needs: "客户需求",
  applications: "申请业务",
  transactions: "交易",
  accounts: "账户",
  holdings: "持有产品",
  contact_history: "联系记录",
  visit: "来访",
  consent: "客户授权",
  purpose: "来访目的",
  at: "时间",
  waiting: "是否在等候",
  marketing: "营销授权",
  record: "记录授权",
  amount: "金额",
  currency: "币种",
  channel: "渠道",
  type: "类型",
  balance: "余额",
  tier: "卡级",
  opened_on: "开户日期",
  product: "产品",
  matures_on: "到期日",
  outcome: "答复",
  by: "联系人",
  customer: "客户记录",
};

const ITEM_ZH = { transactions: "笔交易", accounts: "个账户", holdings: "个持有产品", contact_history: "条联系记录", stated_needs: "项需求", applications: "项申请" };

// Fields of the visit and the consent whose own name says it all ("来访目的", not "来访的目的").
const WHOLE_ZH = {
  "visit.purpose": "来访目的",
  "visit.at": "来访时间",
  "visit.waiting": "是否在等候",
  "consent.marketing": "营销授权",
  "consent.record": "记录授权",
};

/** "transactions[0].amount" → "第1笔交易的金额"; an unknown segment is quoted as it is. */
export function fieldZh(path) {
  if (Object.hasOwn(WHOLE_ZH, String(path))) return WHOLE_ZH[path];
  const parts = [];
  for (const seg of String(path ?? "").split(".")) {
    const m = seg.match(/^([^[\]]+)((?:\[\d+\])*)$/);
    if (!m) {
      parts.push(`「${seg}」`);
      continue;
    }
    const [, key, idx] = m;
    const n = [...idx.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]) + 1);
    if (n.length && Object.hasOwn(ITEM_ZH, key)) parts.push(`第${n[0]}${ITEM_ZH[key]}`);
    else parts.push(Object.hasOwn(FIELD_ZH, key) ? FIELD_ZH[key] : `「${key}」`);
  }
  return parts.join("的");
}

/** What the engine's English detail says, in a few plain Chinese words (null when not recognised). */
function whatZh(detail) {
  const d = String(detail ?? "");
  if (/^unknown field/.test(d)) {
    const mean = d.match(/did you mean "([^"]+)"/);
    return mean ? `不认识这个字段，是否应为「${mean[1]}」？` : "不认识这个字段";
  }
  if (/^unknown visit purpose/.test(d)) return "不在规则包的来访目的列表中";
  if (/^unknown transaction kind/.test(d)) return "不在规则包的交易类型列表中";
  if (/^unknown (variant|channel)/.test(d)) return "取值不在允许的范围内";
  if (/^missing field `([^`]+)`/.test(d)) return `缺少必填字段「${d.match(/^missing field `([^`]+)`/)[1]}」`;
  if (/invalid type: .*expected (f64|u\d+|i\d+|a number)/.test(d)) return "应为数字";
  if (/invalid type: .*expected a (boolean|bool)|expected a boolean/.test(d)) return "应为 true 或 false";
  if (/invalid type: .*expected a string/.test(d)) return "应为文字";
  if (/invalid type: .*expected (a sequence|a list)/.test(d)) return "应为列表 […]";
  if (/invalid type: .*expected struct|expected a JSON object/.test(d)) return "应为对象 {…}";
  if (/expected a date/.test(d)) return "日期或时间格式不对，应如 2026-11-24 或 2026-11-24T10:30:00+08:00";
  if (/in the future|later day than the evaluation/.test(d)) return "日期晚于本次评估的日期";
  if (/risk rating must be/.test(d)) return "风险评级应为 1 到 5（C1–C5），未评级写 null";
  if (/negative|must not be negative/.test(d)) return "不能为负数";
  return null;
}

/**
 * A problem with a pasted or sent customer record, for staff:
 * {zh, en, field} (field: the record's path, or "" when it is the whole text).
 * `e` is a JSON.parse SyntaxError, an engine input error {path, detail,
 * message}, or the page's own check {path, message}.
 */
export function recordProblem(e, text = "") {
  if (e instanceof SyntaxError || e?.name === "SyntaxError") {
    const at = jsonPosition(e.message, text);
    return {
      zh: `粘贴的内容不是有效的 JSON${at ? `（第 ${at.line} 行第 ${at.column} 列附近）` : ""}，请检查括号、引号和逗号`,
      en: `Not valid JSON: ${e.message}`,
      field: "",
    };
  }
  const path = e?.path ?? "";
  const detail = e?.detail ?? e?.message ?? String(e);
  if (!path || path === "customer") {
    return { zh: `客户数据有误：${whatZh(detail) ?? "应为一位客户的 JSON 对象 {…}"}`, en: `The customer record: ${detail}`, field: path };
  }
  const what = whatZh(detail);
  return {
    zh: `客户数据有误：${fieldZh(path)}（${path}）${what ? `——${what}` : "不正确"}`,
    en: `${path}: ${detail}`,
    field: path,
  };
}

/** Line and column of a JSON.parse error, from Chrome's message ("… (line 1 column 9)" or "… at position 8"). */
function jsonPosition(message, text) {
  const lc = String(message).match(/line (\d+) column (\d+)/);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = String(message).match(/position (\d+)/);
  if (!pos) return null;
  const before = String(text).slice(0, Number(pos[1]));
  const lines = before.split("\n");
  return { line: lines.length, column: lines.at(-1).length + 1 };
}
