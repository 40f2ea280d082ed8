// Names staff read, Chinese first. Ids come from the customer contract.
export const PURPOSES = {
  cash_deposit: ["存现", "Cash deposit"],
  cash_withdrawal: ["取现", "Cash withdrawal"],
  transfer: ["转账", "Transfer"],
  fx_exchange: ["外汇兑换", "FX exchange"],
  bill_payment: ["缴费", "Bill payment"],
  balance_inquiry: ["查询余额", "Balance inquiry"],
  passbook_update: ["补登存折", "Passbook update"],
  card_application: ["申请信用卡", "Card application"],
  account_opening: ["开户", "Account opening"],
  loan_inquiry: ["贷款咨询", "Loan inquiry"],
  loan_prepayment: ["提前还贷", "Loan prepayment"],
  wealth_inquiry: ["理财咨询", "Wealth inquiry"],
  safe_deposit_box: ["保管箱", "Safe deposit box"],
  cd_loss_report: ["存单挂失", "CD loss report"],
  complaint: ["投诉", "Complaint"],
};

export const NEEDS = {
  child_education: ["子女教育", "Child education"],
  retirement: ["养老", "Retirement"],
  home_purchase: ["购房", "Home purchase"],
  overseas_study: ["出国留学", "Overseas study"],
  business_loan: ["企业融资", "Business loan"],
  wealth_management: ["理财", "Wealth management"],
  insurance: ["保险", "Insurance"],
  fx_remittance: ["境外汇款", "FX remittance"],
  complex_investment_advice: ["复杂投资咨询", "Complex investment advice"],
};

export const CHANNELS = {
  teller: ["高柜柜员", "Teller"],
  vip_teller: ["VIP区柜员", "VIP teller"],
  lobby: ["大堂经理", "Lobby manager"],
  psm: ["产品销售经理", "Product sales"],
  cm: ["客户经理", "Relationship manager"],
};

export const HOLD = {
  complaint: ["投诉中", "Complaint"],
  consent: ["未同意营销", "No marketing consent"],
  suitability: ["风险不匹配", "Unsuitable risk"],
  record_consent: ["未同意转介", "No consent to hand on"],
  wording: ["话术不合规", "Wording not allowed"],
  pacing: ["近期已答复", "Answered recently"],
  pitch_limit: ["本次已推介", "Pitched this visit"],
};

export function label(map, id) {
  return Object.hasOwn(map, id) ? map[id] : [id, ""];
}
