// Turning any error (the node's JSON `{"error","message"}`, a bilingual key-file error, a
// network failure) into one line for people: a Chinese/English explanation of the known codes
// followed by the node's own reason.
import { getLang, makeT } from '../i18n';

const t = makeT({
  zh: {
    'code.not_a_member': '该密钥不是当前成员（可能已被移除或更换），无法登录。',
    'code.unauthenticated': '请求未通过身份验证。',
    'code.bad_signature': '签名校验失败：密钥文件可能损坏。',
    'code.stale_request': '本机时钟与节点相差过大，请校准电脑时间后重试。',
    'code.replayed_request': '重复的请求，请重试。',
    'code.busy': '节点繁忙，请稍后重试。',
    'code.forbidden': '无权执行此操作。',
    'code.not_readable': '记录不存在或无权查看。',
    'code.not_found': '未找到。',
    'code.wrong_node': '请求签给了另一个节点。',
    'code.unknown_signer': '签名人不是成员。',
    'code.expired': '交易已过期，请重新提交。',
    'code.network': '无法连接节点，请检查网络。',
    http: 'HTTP {status}',
  },
  en: {
    'code.not_a_member': 'This key is not a current member (removed or rotated); cannot sign in.',
    'code.unauthenticated': 'The request was not authenticated.',
    'code.bad_signature': 'The signature did not verify: the key file may be damaged.',
    'code.stale_request': 'This computer’s clock is too far from the node’s; fix the time and retry.',
    'code.replayed_request': 'Duplicate request; please retry.',
    'code.busy': 'The node is busy; retry shortly.',
    'code.forbidden': 'You may not do this.',
    'code.not_readable': 'The record does not exist or you may not read it.',
    'code.not_found': 'Not found.',
    'code.wrong_node': 'The request was signed for another node.',
    'code.unknown_signer': 'The signer is not a member.',
    'code.expired': 'The transaction expired; submit it again.',
    'code.network': 'Cannot reach the node; check the network.',
    http: 'HTTP {status}',
  },
});

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  error?: unknown;
  status?: unknown;
  zh?: unknown;
  en?: unknown;
  body?: unknown;
}

/** The machine code of an error, if it carries one (`error` in the node's JSON). */
export function errorCode(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as ErrorLike;
  if (typeof o.code === 'string') return o.code;
  if (typeof o.error === 'string') return o.error;
  if (o.body && typeof o.body === 'object') return errorCode(o.body);
  return undefined;
}

/** One line describing `e` in the current language. */
export function errorText(e: unknown): string {
  if (e == null) return '';
  if (typeof e === 'string') return e;
  const o = e as ErrorLike;
  // Bilingual errors (helper A's key files, encoder, parsers).
  if (typeof o.zh === 'string' && typeof o.en === 'string') return getLang() === 'zh' ? o.zh : o.en;
  const code = errorCode(e);
  const known = code ? t(`code.${code}`) : undefined;
  const explained = known && known !== `code.${code}` ? known : undefined;
  let reason = typeof o.message === 'string' ? o.message : '';
  if (!reason && o.body && typeof o.body === 'object' && typeof (o.body as ErrorLike).message === 'string') {
    reason = (o.body as ErrorLike).message as string;
  }
  if (!reason && typeof o.status === 'number') reason = t('http', { status: o.status });
  if (explained && reason && reason !== explained) return `${explained}（${code}: ${reason}）`;
  if (explained) return explained;
  return code && reason && !reason.includes(code) ? `${code}: ${reason}` : reason || String(e);
}
