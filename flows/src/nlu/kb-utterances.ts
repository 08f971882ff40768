import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { IntentId } from './labels';

/**
 * Extra intent training text from the project's own knowledge base (flows/data/kb/*.json):
 * each entry's question and variants, labelled with the intent its id belongs to. Entries
 * whose topic has no intent of its own (fund products, quotes features …) are left out.
 * Used for the intent classifier only; the test split is untouched.
 */
export const KB_DIR = path.join(__dirname, '..', '..', 'data', 'kb');

/** KB entry id (exact, else longest matching prefix) → intent. */
const KB_INTENT: Record<string, IntentId> = {
  'open-account': 'open_account',
  'account-numbers': 'open_account',
  'close-account': 'close_account',
  'dormant-account': 'close_account',
  'transfer-custody': 'custody_transfer',
  'designated-trading': 'custody_transfer',
  'id-update': 'update_info',
  'id-expired-restricted': 'update_info',
  'personal-info-update': 'update_info',
  'phone-change': 'update_info',
  'phone-not-own': 'update_info',
  'judicial-freeze': 'account_frozen',
  'account-frozen': 'account_frozen',
  'inheritance-transfer': 'inheritance_transfer',
  password: 'password_reset',
  'account-locked': 'password_reset',
  'sms-code-not-received': 'login_issue',
  'login-failed': 'login_issue',
  'digital-certificate': 'login_issue',
  'certificate-expired': 'login_issue',
  'device-binding': 'login_issue',
  'biometric-login': 'login_issue',
  'pc-client-download': 'app_issue',
  'quotes-not-refreshing': 'app_issue',
  'level2-quotes': 'app_issue',
  'watchlist-sync': 'app_issue',
  'price-alert': 'app_issue',
  cb: 'convertible_bond',
  dividend: 'dividend',
  'ex-dividend-price': 'dividend',
  'bonus-shares': 'dividend',
  'record-date': 'dividend',
  'commission-rate': 'commission_fee',
  'trading-fee-breakdown': 'commission_fee',
  'minimum-commission': 'commission_fee',
  'commission-adjust': 'commission_fee',
  'unknown-fee-deduction': 'commission_fee',
  'hk-connect': 'hk_connect',
  // The own utterances label a product's fees, hours and payouts with the aspect's intent
  // (港股通的交易费用 → commission_fee), and margin rules apart from a client's margin call.
  'hk-connect-hours': 'trading_hours',
  'hk-connect-fees': 'commission_fee',
  'hk-connect-dividend': 'dividend',
  ipo: 'ipo_subscription',
  'margin-call': 'margin_call',
  'margin-forced-liquidation': 'margin_account',
  'margin-maintenance-ratio': 'margin_account',
  'margin-close-account': 'close_account',
  margin: 'margin_account',
  options: 'options_trading',
  permission: 'board_permission',
  'professional-investor': 'board_permission',
  'risk-assessment': 'risk_assessment',
  'suitability-mismatch': 'risk_assessment',
  repo: 'reverse_repo',
  'repo-cb-fees': 'commission_fee',
  etf: 'etf',
  'branch-appointment': 'appointment',
  'branch-hours': 'branch_info',
  'account-manager': 'branch_info',
  'human-agent': 'human_request',
  complaint: 'complaint',
  'account-statement': 'statement_request',
  'asset-certificate': 'statement_request',
  'no-investment-advice': 'stock_advice',
  'trading-hours': 'trading_hours',
  'market-holidays': 'trading_hours',
  'pre-market-order': 'trading_hours',
  'after-hours-fixed-price': 'trading_hours',
  'call-auction': 'trading_hours',
  'order-types': 'order_issue',
  't-plus-one': 'order_issue',
  'lot-and-tick': 'order_issue',
  'price-limits': 'order_issue',
  'price-cage': 'order_issue',
  'insufficient-buying-power': 'order_issue',
  'sell-proceeds-timing': 'bank_transfer',
  'cancel-order': 'order_issue',
  'order-not-filled': 'order_issue',
  'conditional-order': 'order_issue',
  'trade-records': 'statement_request',
  'bank-transfer-failed': 'transfer_failed',
  'bank-transfer-not-arrived': 'transfer_failed',
  'bank-transfer': 'bank_transfer',
  'change-bank-card': 'bank_transfer',
  'third-party-custody': 'bank_transfer',
  'available-vs-withdrawable': 'bank_transfer',
  'fund-flow-query': 'statement_request',
};

export function kbIntent(id: string): IntentId | null {
  let best: string | null = null;
  for (const key of Object.keys(KB_INTENT)) {
    if ((id === key || id.startsWith(`${key}-`)) && (!best || key.length > best.length)) best = key;
  }
  return best ? KB_INTENT[best]! : null;
}

export interface KbUtterance {
  text: string;
  intent: IntentId;
}

export function kbUtterances(dir = KB_DIR): KbUtterance[] {
  const out: KbUtterance[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const { entries } = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      entries: Array<{ id: string; question: string; variants?: string[] }>;
    };
    for (const e of entries) {
      const intent = kbIntent(e.id);
      if (!intent) continue;
      for (const text of [e.question, ...(e.variants ?? [])]) out.push({ text, intent });
    }
  }
  return out;
}
