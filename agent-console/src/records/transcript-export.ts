import type { LegalHoldView, QualityResult, SatisfactionView, Services } from '@brokerbot/shared';
import type { AdvisorClaims } from '../advisor-token';
import { latestScore, toResult } from '../quality/quality-records';
import { loadTranscript } from '../transcript-review';
import { recordAudit } from './audit-log';

/**
 * Compliance export (导出) of one conversation: a self-contained, printable HTML page rendered on
 * the server. Every value is HTML-escaped, and the page forbids scripts, images and every other
 * fetch (Content-Security-Policy), so a client's `<img onerror=…>` is shown as the text it was.
 * Each export is audited (`export`), before the page is handed out.
 */

export interface ExportMessage {
  seq: number;
  from: 'client' | 'bot' | 'advisor' | 'system';
  authorName: string | null;
  text: string;
  createdAt: string;
  recalled?: boolean;
  media?: { kind: string; name: string | null } | undefined;
}

export interface ExportNote {
  authorName: string | null;
  text: string;
  afterSeq: number;
  createdAt: string;
}

export interface ExportHandoff {
  advisorName: string | null;
  reasons: string[];
  summary?: string | null;
  createdAt: string;
  closedAt: string | null;
  wrapUp: { category: string; note: string; advisorName: string | null } | null;
  satisfaction: SatisfactionView | null;
}

/** Everything the page shows (pure input of renderTranscriptHtml). */
export interface ExportInput {
  conversationId: string;
  customer: { id: string; name: string; tier: string } | null;
  branch: { id: string; name: string | null } | null;
  channel: string;
  state: string;
  messages: ExportMessage[];
  truncated: boolean;
  notes: ExportNote[];
  handoffs: ExportHandoff[];
  reviews: { reviewerName: string; verdict: 'ok' | 'issue'; note: string; at: string }[];
  quality: QualityResult | null;
  legalHold: LegalHoldView;
  exportedBy: string;
  exportedAt: Date;
}

const CHANNEL_LABELS: Record<string, string> = { app: 'App', wecom: '企业微信客服', miniprogram: '小程序' };
const SENDER_LABELS: Record<string, string> = { client: '客户', bot: '机器人', advisor: '顾问', system: '系统' };
const VERDICT_LABELS: Record<string, string> = { ok: '合规', issue: '有问题' };
const SEVERITY_LABELS: Record<string, string> = { critical: '严重', major: '重要', minor: '一般' };
const MEDIA_LABELS: Record<string, string> = { image: '图片', voice: '语音', video: '视频', file: '文件' };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** "2026-12-05 13:04:05" in China time (UTC+8, no daylight saving), the brokerage's business clock. */
export function chinaTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '—';
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`;

function satisfactionText(v: SatisfactionView | null): string {
  if (!v) return '未调查';
  if (v.score !== null && v.score !== undefined) return `${v.score} 分${v.comment ? `（${v.comment}）` : ''}`;
  return { asked: '待客户评价', dismissed: '客户未评价', expired: '评价已过期，客户未评价', answered: '已评价' }[v.status];
}

function messageText(m: ExportMessage): string {
  const media = m.media ? `［${MEDIA_LABELS[m.media.kind] ?? m.media.kind}${m.media.name ? `：${m.media.name}` : ''}］ ` : '';
  return `${media}${m.text}${m.recalled ? '（客户已撤回）' : ''}`;
}

/** The printable page (pure). */
export function renderTranscriptHtml(x: ExportInput): string {
  const advisors = [...new Set(x.handoffs.map((h) => h.advisorName).filter((n): n is string => !!n))];
  const first = x.messages[0]?.createdAt ?? null;
  const last = x.messages.at(-1)?.createdAt ?? null;
  const customer = x.customer ? `${x.customer.name}（客户号 ${x.customer.id}）` : '未绑定客户';
  const branch = x.branch ? `${x.branch.name ?? x.branch.id}（${x.branch.id}）` : '未绑定营业部';
  const title = `会话记录 ${x.conversationId}`;

  const lines: string[] = [];
  const notes = [...x.notes];
  const notesUpTo = (seq: number | null) => {
    while (notes.length && (seq === null || notes[0]!.afterSeq <= seq)) {
      const n = notes.shift()!;
      lines.push(
        `<tr class="note"><td>${escapeHtml(chinaTime(n.createdAt))}</td><td>内部备注 · ${escapeHtml(n.authorName ?? '')}</td><td>${escapeHtml(n.text)}</td></tr>`,
      );
    }
  };
  for (const m of x.messages) {
    notesUpTo(m.seq - 1);
    const sender = `${SENDER_LABELS[m.from] ?? m.from}${m.authorName && m.from !== 'client' ? ` · ${m.authorName}` : ''}`;
    lines.push(
      `<tr class="${escapeHtml(m.from)}"><td>${escapeHtml(chinaTime(m.createdAt))}</td><td>${escapeHtml(sender)}</td><td>${escapeHtml(messageText(m))}</td></tr>`,
    );
  }
  notesUpTo(null);

  const service = x.handoffs.map(
    (h, i) =>
      `<section class="handoff"><h3>人工服务 ${i + 1}</h3><table>` +
      row('顾问', h.advisorName ?? '未接入') +
      row('转人工时间', chinaTime(h.createdAt)) +
      row('结束时间', chinaTime(h.closedAt)) +
      row('转人工原因', h.reasons.join('；') || '—') +
      (h.summary ? row('转人工摘要', h.summary) : '') +
      row(
        '服务小结',
        h.wrapUp
          ? `${h.wrapUp.category}${h.wrapUp.note ? ` · ${h.wrapUp.note}` : ''}${h.wrapUp.advisorName ? `（${h.wrapUp.advisorName}）` : ''}`
          : '无',
      ) +
      row('客户满意度', satisfactionText(h.satisfaction)) +
      `</table></section>`,
  );

  const q = x.quality;
  const quality = q
    ? `<table>${row('总分', q.total === null ? '无适用项' : `${q.total} 分`)}${row('质检标准版本', q.scorecardVersion)}${row(
        '质检时间',
        chinaTime(q.scoredAt),
      )}</table><ul class="qa">${q.items
        .map((item) => {
          const state =
            item.passed === null
              ? '不适用'
              : item.passed
                ? '通过'
                : `未通过（${SEVERITY_LABELS[item.severity] ?? item.severity}）`;
          const confirmations = q.confirmations
            .filter((c) => c.itemId === item.id)
            .map((c) => `${c.verdict === 'confirmed' ? '已确认' : '已推翻'} · ${c.reviewerName}${c.note ? ` · ${c.note}` : ''}`);
          return `<li>${escapeHtml(`${item.label}：${state}`)}${item.detail ? ` — ${escapeHtml(item.detail)}` : ''}${confirmations
            .map((c) => `<div class="sub">${escapeHtml(c)}</div>`)
            .join('')}</li>`;
        })
        .join('')}</ul>`
    : '<p>尚无智能质检结果</p>';

  const reviews = x.reviews.length
    ? `<ul>${x.reviews
        .map(
          (r) =>
            `<li>${escapeHtml(`${chinaTime(r.at)} ${r.reviewerName}：${VERDICT_LABELS[r.verdict] ?? r.verdict}${r.note ? ` · ${r.note}` : ''}`)}</li>`,
        )
        .join('')}</ul>`
    : '<p>未评审</p>';

  const hold = x.legalHold.held
    ? `保全中（${x.legalHold.byName ?? ''} ${chinaTime(x.legalHold.at)}：${x.legalHold.reason}）`
    : '未保全';

  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#111;margin:24px;font-size:13px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 6px;border-bottom:1px solid #999}h3{font-size:13px;margin:10px 0 4px}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top;white-space:pre-wrap;word-break:break-word}
th{width:8em;background:#f3f3f3}.messages td:nth-child(1){width:11em}.messages td:nth-child(2){width:9em}
tr.note td{background:#fff8e1}tr.advisor td{background:#eef5ff}.sub{color:#555;margin-left:1em}.meta{color:#555}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
</style></head><body>
<h1>客户服务会话记录</h1>
<p class="meta">${escapeHtml(`导出人 ${x.exportedBy} · 导出时间 ${chinaTime(x.exportedAt)}（北京时间）· 会话编号 ${x.conversationId}`)}</p>
<h2>基本信息</h2>
<table class="facts">${row('客户', customer)}${row('营业部', branch)}${row('渠道', CHANNEL_LABELS[x.channel] ?? x.channel)}${row(
    '时间',
    first ? `${chinaTime(first)} 至 ${chinaTime(last)}` : '无消息',
  )}${row('顾问', advisors.join('、') || '无（全程机器人服务）')}${row('消息数', String(x.messages.length))}${row('法律保全', hold)}</table>
<h2>聊天记录</h2>
<table class="messages"><thead><tr><th>时间</th><th>发送方</th><th>内容</th></tr></thead><tbody>
${lines.join('\n')}
</tbody></table>
${x.truncated ? '<p>消息过多，仅导出前 10000 条</p>' : ''}
<h2>人工服务与服务小结</h2>
${service.join('\n') || '<p>未转人工</p>'}
<h2>智能质检结果</h2>
${quality}
<h2>督导评审</h2>
${reviews}
</body></html>
`;
}

/**
 * The export of a conversation the supervisor may see: audited first (an export that cannot be
 * recorded is not handed out), then rendered.
 */
export async function exportTranscript(
  services: Pick<Services, 'db'>,
  user: AdvisorClaims,
  conversationId: string,
): Promise<{ html: string; filename: string }> {
  const { db } = services;
  const { conversation, transcript: t } = await loadTranscript(services, user, conversationId);
  const [score, branch] = await Promise.all([
    latestScore(db, conversationId),
    conversation.branchId ? db.Branch.findById(conversation.branchId, { name: 1 }).lean() : null,
  ]);
  const quality = score ? await toResult(db, score) : null;
  await recordAudit(db, user, 'export', { conversationId, branchId: conversation.branchId }, { format: 'html' });
  const exportedAt = new Date();
  const html = renderTranscriptHtml({
    conversationId,
    customer: t.summary?.customer ?? null,
    branch: conversation.branchId ? { id: conversation.branchId, name: branch?.name ?? null } : null,
    channel: conversation.channel,
    state: conversation.state,
    messages: t.messages,
    truncated: t.truncated,
    notes: t.notes,
    handoffs: t.handoffs,
    reviews: t.reviews,
    quality,
    legalHold: t.legalHold,
    exportedBy: user.name,
    exportedAt,
  });
  const stamp = chinaTime(exportedAt).slice(0, 10).replace(/-/g, '');
  return { html, filename: `会话记录-${conversationId}-${stamp}.html` };
}
