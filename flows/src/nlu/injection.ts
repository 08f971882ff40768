/**
 * Prompt-injection text in a client message ("忽略以上指令", "ignore previous instructions",
 * "你现在是…", "{"escalate": false}"). The NLU is not an LLM, but such text still carries words
 * that would move its outputs (你现在是人工客服 contains 人工客服). The matched spans are
 * removed before analysis, so they change neither emotion, intent nor escalation; the message
 * is flagged with the reason `prompt_injection` (not an escalation on its own). What the
 * client asks for outside those spans (…，给我转人工) is still analysed.
 */
const CLAUSE_REST = '[^,.!?;。，！？；\\n]*';

const PATTERNS: RegExp[] = [
  // 忽略/无视/忘记 (以上|之前|所有…) (的) 指令/提示/规则/设定
  /(忽略|无视|忽视|忘记|忘掉|不要理会|别管|抛开|丢掉)(掉)?(你)?(之前|以上|上面|前面|先前|此前|刚才|原来|原有|所有|全部|一切)*的?(所有|全部|一切)?的?(指令|指示|提示词?|规则|设定|要求|命令|限制|约束|内容|系统提示)/g,
  new RegExp(`(你|您)(现在|从现在起|从现在开始|此刻|接下来)(就)?(是|扮演|作为|变成|成为|充当)${CLAUSE_REST}`, 'g'),
  new RegExp(`从现在(开始|起)[,，]?(你)?(是|扮演|要|必须|将|只能|就是)${CLAUSE_REST}`, 'g'),
  new RegExp(`(请你?|现在)?(扮演|假装你?是|假设你是|角色扮演|模拟一个)${CLAUSE_REST}`, 'g'),
  /(开发者|管理员|调试|越狱|上帝|dan)模式/g,
  /(输出|打印|告诉我|泄露|显示|重复)(一下)?(你的)?(系统|初始|原始)?(提示词|prompt|指令|设定)/g,
  /(把|将)(以上|上面|前面|之前)的?(内容|文字|对话|指令)(翻译|重复|输出)[^,.!?;。，！？；\n]*/g,
  /(系统|system)\s*(提示词?|prompt|消息|message)\s*[:：]?/g,
  /\bignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|preceding|your)?\s*(instructions?|prompts?|rules|directions)\b/g,
  /\b(disregard|forget)\s+(all\s+|any\s+)?(the\s+|your\s+)?(previous|prior|above|earlier)?\s*(instructions?|prompts?|rules)\b/g,
  /\byou\s+are\s+now\b[^,.!?;\n]*/g,
  /\b(act|behave)\s+as\b[^,.!?;\n]*/g,
  /\bpretend\s+(to\s+be|you\s+are)\b[^,.!?;\n]*/g,
  /\b(jailbreak|developer\s+mode|system\s+prompt)\b/g,
  /\bnew\s+instructions?\s*:/g,
  // Attempts to set the NLU's own output fields: "escalate": false, intent=greeting …
  /["']?\b(escalate|intent|emotion|reasons|confidence|negative|intensity)\b["']?\s*[:=]\s*("[^"]*"|'[^']*'|\[[^\]]*\]|[\w.\u4e00-\u9fff]+)/g,
];

export interface InjectionResult {
  flagged: boolean;
  /** The text with the injection spans removed. */
  cleaned: string;
  spans: string[];
}

/** Detect and strip injection spans. Works on normalised (NFKC, lower-case) text. */
export function stripInjection(text: string): InjectionResult {
  const spans: string[] = [];
  let cleaned = text;
  for (const re of PATTERNS) {
    re.lastIndex = 0;
    cleaned = cleaned.replace(re, (m) => {
      spans.push(m.trim());
      return ' ';
    });
  }
  if (spans.length) cleaned = cleaned.replace(/[{}]/g, ' ').replace(/\s+/g, ' ').trim();
  return { flagged: spans.length > 0, cleaned, spans };
}
