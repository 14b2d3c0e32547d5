// Words of the operation forms in Chinese and English: field names, enum values, governance
// variants, input errors and the rules' rejection codes in plain language. Anything not listed
// (a field added to the Rust types later) falls back to a readable form of its name, so a new
// operation gets a usable form without UI code.
import { makeT, type Dict, type T } from '../../i18n';

const zh: Record<string, string> = {
  // page
  'page.title': '业务办理',
  'page.pick': '请选择要办理的业务',
  'page.loading': '正在读取业务表单…',
  'page.load_failed': '无法读取业务表单：{message}',
  'page.unknown_kind': '没有名为 “{kind}” 的业务。',
  'page.back': '← 全部业务',
  'page.submit': '签名并提交',
  'page.submitting': '正在签名、提交并等待上链…',
  'page.fix_errors': '有 {n} 处需要修改，请查看标红的字段。',
  'page.tx_hash': '交易哈希',
  'page.applied': '已生效（已上链并通过规则校验）',
  'page.opened_request': '已上链；该业务需审批，审批通过后生效。',
  'page.rejected': '被拒绝',
  'page.pending': '已提交，尚未确认上链；稍后可在收件箱查看结果。',
  'page.failed': '节点未接收：{message}',
  'page.node_says': '节点原文',
  'page.new': '再办一笔',
  'page.group.identity': '成员与审批',
  'page.group.project': '项目全流程',
  'page.group.rectification': '整改',
  'page.group.other': '其他',
  'page.preview': '将要签名的内容（JSON）',
  'policy.title': '审批要求',
  'policy.loading': '正在读取审批规则…',
  'policy.unavailable': '暂时无法读取审批规则（{message}）',
  'policy.amount': '按金额 {amount} 计',
  'policy.next': '金额达到 {amount} 及以上时：{sentence}',
  // widgets
  'w.not_set': '不填写',
  'w.set': '填写',
  'w.add_row': '＋ 添加一行',
  'w.remove_row': '删除此行',
  'w.row': '第 {n} 行',
  'w.unit_wan': '万元',
  'w.unit_yuan': '元 ¥',
  'w.choose_file': '选择文件计算哈希',
  'w.hashing': '正在计算 SM3 哈希…',
  'w.file_hashed': '文件 {name} 的 SM3 哈希',
  'w.or_paste': '或粘贴 64 位十六进制哈希',
  'w.hash_note': '文件不会上传，只在本机计算哈希。',
  'w.yes': '是',
  'w.no': '否',
  'w.variant': '类型',
  'w.fen_equals': '= {yuan}',
  // errors
  'err.required': '必填',
  'err.hash_required': '请选择文件或粘贴哈希',
  'err.not_integer': '请输入整数',
  'err.negative': '不能为负数',
  'err.too_large': '数值过大',
  'err.out_of_range': '应在 {min} 到 {max} 之间',
  'err.hash_format': '哈希应为 64 位十六进制数字（0-9、a-f）',
  'err.key_format': '公钥格式应为 ed25519:64位十六进制 或 sm2:66位十六进制',
  'err.signature_format': '签名格式不正确',
  'err.id_format': '编号为 1–64 位字母、数字或 . _ -',
  'err.too_long': '内容过长（最多 {max} 字节）',
  'err.pattern': '格式不正确',
  'err.choose': '请选择',
  'err.json_format': '不是有效的 JSON',
  'err.unsupported': '无法填写此字段',
  // rejection codes (contracts/src/rejection.rs)
  'rej.wrong_chain': '交易不属于本链（链标识不符）。',
  'rej.expired': '交易已过期，请重新提交。',
  'rej.expiry_too_far': '交易有效期设置过长。',
  'rej.replay': '同一笔交易已经上链，不会重复生效。',
  'rej.unknown_signer': '您的密钥不是任何部门的成员。',
  'rej.wrong_role': '您的角色无权办理此业务。',
  'rej.wrong_department': '您所在部门无权办理此业务。',
  'rej.wrong_state': '记录当前状态不允许此操作。',
  'rej.record_closed': '项目已关闭或撤销，不能再更改。',
  'rej.not_found': '找不到相关记录（项目、合同或任务编号有误）。',
  'rej.unknown_project': '找不到该项目。',
  'rej.already_exists': '该编号已被使用，请换一个编号。',
  'rej.invalid_field': '有字段不符合要求。',
  'rej.overflow': '金额过大，无法记录。',
  'rej.over_budget': '超出批复预算。',
  'rej.over_contract': '超出合同金额。',
  'rej.ahead_of_progress': '拨付超前于已验收的进度。',
  'rej.duplicate_approval': '您已审批过该申请。',
  'rej.self_approval': '不能审批自己提交的申请。',
  'rej.approval_not_needed': '该申请不需要您再审批。',
  'rej.request_closed': '该申请已办结。',
  'rej.duplicate_vote': '本部门已对该提案投过票。',
  'rej.limit_reached': '已达到数量上限。',
  'rej.not_permitted': '不允许此操作。',
  'rej.rejected': '规则校验未通过。',
  // enum values
  'enum.public': '公开',
  'enum.internal': '内部（不公开）',
  'enum.open_tender': '公开招标',
  'enum.invited_tender': '邀请招标',
  'enum.competitive_negotiation': '竞争性谈判',
  'enum.competitive_consultation': '竞争性磋商',
  'enum.inquiry': '询价',
  'enum.single_source': '单一来源',
  'enum.clear': '未列入失信名单',
  'enum.listed': '已列入失信名单',
  // union variants
  'variant.set_policy': '设置审批规则',
  'variant.remove_policy': '删除审批规则',
  'variant.add_department': '增加部门',
  'variant.add_validator': '增加验证节点',
  'variant.remove_validator': '移除验证节点',
  'variant.rotate_validator_key': '更换验证节点密钥',
  'variant.project_owner': '项目主管部门',
  'variant.kind': '某类部门',
  'variant.id': '指定部门',
  // field names
  'field.name': '名称',
  'field.department': '部门',
  'field.role': '角色',
  'field.public_key': '公钥',
  'field.old_key': '原公钥',
  'field.new_key': '新公钥',
  'field.request': '申请（交易哈希）',
  'field.note': '备注',
  'field.reason': '理由',
  'field.id': '编号',
  'field.change': '变更内容',
  'field.kind': '类型',
  'field.min_amount_fen': '起点金额',
  'field.required': '审批要求',
  'field.description': '说明',
  'field.count': '人数',
  'field.power': '投票权重',
  'field.approve': '同意',
  'field.project': '项目编号',
  'field.category': '类别',
  'field.location': '地点',
  'field.programme': '所属专项/计划',
  'field.planned_start_ms': '计划开工日期',
  'field.planned_end_ms': '计划完工日期',
  'field.requested_budget_fen': '申请预算',
  'field.disclosure': '公开范围',
  'field.fiscal_year': '预算年度',
  'field.lines': '预算明细',
  'field.code': '科目编码',
  'field.amount_fen': '金额',
  'field.document_hash': '文件哈希（SM3）',
  'field.line_code': '预算科目编码',
  'field.delta_fen': '调整金额（减少填负数）',
  'field.method': '采购方式',
  'field.announcement_ref': '采购公告编号',
  'field.bids': '投标',
  'field.bidder': '投标人',
  'field.credit_code': '统一社会信用代码',
  'field.party': '核查对象',
  'field.registry': '信用平台',
  'field.verdict': '核查结论',
  'field.result_hash': '核查结果 SM3 哈希',
  'field.checked_ms': '核查时间',
  'field.winner_credit_code': '中标人统一社会信用代码',
  'field.contract': '合同编号',
  'field.contractor': '承建单位',
  'field.advance_share_bp': '预付款比例',
  'field.milestones': '付款节点',
  'field.progress_bp': '节点进度',
  'field.share_bp': '支付比例',
  'field.due_ms': '节点到期日',
  'field.amount_delta_fen': '金额变化（减少填负数）',
  'field.schedule_delta_days': '工期变化（天，可为负）',
  'field.percent_bp': '累计完成进度',
  'field.milestone': '申报的付款节点（序号，从 0 开始）',
  'field.evidence_hash': '佐证材料哈希（SM3）',
  'field.report': '进度报告编号',
  'field.accepted': '通过',
  'field.disbursement': '拨付申请编号',
  'field.voucher_ref': '支付凭证号',
  'field.passed': '验收通过',
  'field.committee': '验收组成员',
  'field.scores': '评分',
  'field.criterion': '评价指标',
  'field.score_bp': '得分',
  'field.summary': '评价摘要',
  'field.task': '整改任务编号',
  'field.title': '标题',
  'field.finding': '问题描述',
  'field.responsible_department': '责任部门',
  'field.responsible_person': '责任人公钥',
  'field.deadline_ms': '整改期限',
  'field.acceptance_standard': '验收标准',
  'field.source_ref': '来源报告编号',
  'field.node': '节点',
  'field.point': '日志锚点',
  'field.head': '链头哈希',
  'field.valid_until_height': '有效至区块高度',
  'field.nonce': '随机数',
};

const en: Record<string, string> = {
  'page.title': 'Operations',
  'page.pick': 'Choose what to do',
  'page.loading': 'Loading the operation forms…',
  'page.load_failed': 'Cannot load the operation forms: {message}',
  'page.unknown_kind': 'There is no operation “{kind}”.',
  'page.back': '← All operations',
  'page.submit': 'Sign and submit',
  'page.submitting': 'Signing, submitting and waiting for the block…',
  'page.fix_errors': '{n} field(s) need attention (marked in red).',
  'page.tx_hash': 'Transaction hash',
  'page.applied': 'Applied (committed and accepted by the rules)',
  'page.opened_request': 'Committed; this operation needs approval and takes effect once approved.',
  'page.rejected': 'Rejected',
  'page.pending': 'Submitted but not yet committed; check the inbox later.',
  'page.failed': 'The node did not accept it: {message}',
  'page.node_says': 'Node message',
  'page.new': 'Start another',
  'page.group.identity': 'Members and approvals',
  'page.group.project': 'Project lifecycle',
  'page.group.rectification': 'Rectification',
  'page.group.other': 'Other',
  'page.preview': 'What will be signed (JSON)',
  'policy.title': 'Approvals',
  'policy.loading': 'Reading the approval policies…',
  'policy.unavailable': 'Approval policies unavailable ({message})',
  'policy.amount': 'for an amount of {amount}',
  'policy.next': 'From {amount} on: {sentence}',
  'w.not_set': 'Not set',
  'w.set': 'Set',
  'w.add_row': '+ Add a row',
  'w.remove_row': 'Remove this row',
  'w.row': 'Row {n}',
  'w.unit_wan': '10k yuan (万元)',
  'w.unit_yuan': 'yuan ¥',
  'w.choose_file': 'Choose a file to hash',
  'w.hashing': 'Computing the SM3 hash…',
  'w.file_hashed': 'SM3 hash of {name}',
  'w.or_paste': 'or paste a 64-digit hex hash',
  'w.hash_note': 'The file is not uploaded; only its hash is computed here.',
  'w.yes': 'Yes',
  'w.no': 'No',
  'w.variant': 'Kind',
  'w.fen_equals': '= {yuan}',
  'err.required': 'Required',
  'err.hash_required': 'Choose a file or paste a hash',
  'err.not_integer': 'Enter a whole number',
  'err.negative': 'Must not be negative',
  'err.too_large': 'Too large',
  'err.out_of_range': 'Must be between {min} and {max}',
  'err.hash_format': 'A hash is 64 hex digits (0-9, a-f)',
  'err.key_format': 'A key is ed25519:<64 hex> or sm2:<66 hex>',
  'err.signature_format': 'Not a signature',
  'err.id_format': 'Ids are 1–64 letters, digits or . _ -',
  'err.too_long': 'Too long (at most {max} bytes)',
  'err.pattern': 'Wrong format',
  'err.choose': 'Choose one',
  'err.json_format': 'Not valid JSON',
  'err.unsupported': 'This field cannot be edited',
  'rej.wrong_chain': 'The transaction is for another chain.',
  'rej.expired': 'The transaction expired; submit it again.',
  'rej.expiry_too_far': 'The transaction is valid for too long.',
  'rej.replay': 'This very transaction was already committed; it takes effect once.',
  'rej.unknown_signer': 'Your key is not a member of any department.',
  'rej.wrong_role': 'Your role may not do this.',
  'rej.wrong_department': 'Your department may not do this.',
  'rej.wrong_state': 'The record is not in a state that allows this.',
  'rej.record_closed': 'The project is closed or cancelled and never changes again.',
  'rej.not_found': 'A record it refers to does not exist (check the ids).',
  'rej.unknown_project': 'No such project.',
  'rej.already_exists': 'That id is taken; choose another.',
  'rej.invalid_field': 'A field is not acceptable.',
  'rej.overflow': 'The amount is too large to record.',
  'rej.over_budget': 'Over the approved budget.',
  'rej.over_contract': 'Over the contract amount.',
  'rej.ahead_of_progress': 'Payment ahead of accepted progress.',
  'rej.duplicate_approval': 'You already approved this request.',
  'rej.self_approval': 'You cannot approve your own request.',
  'rej.approval_not_needed': 'This request needs no further approval from you.',
  'rej.request_closed': 'The request is already closed.',
  'rej.duplicate_vote': 'Your department already voted on this proposal.',
  'rej.limit_reached': 'A limit was reached.',
  'rej.not_permitted': 'Not permitted.',
  'rej.rejected': 'The rules refused it.',
  'enum.public': 'Public',
  'enum.internal': 'Internal (not disclosed)',
  'enum.open_tender': 'Open tender',
  'enum.invited_tender': 'Invited tender',
  'enum.competitive_negotiation': 'Competitive negotiation',
  'enum.competitive_consultation': 'Competitive consultation',
  'enum.inquiry': 'Request for quotation',
  'enum.single_source': 'Single source',
  'enum.clear': 'Clear (not listed)',
  'enum.listed': 'Listed (dishonest / serious violation)',
  'variant.set_policy': 'Set an approval policy',
  'variant.remove_policy': 'Remove an approval policy',
  'variant.add_department': 'Add a department',
  'variant.add_validator': 'Add a validator',
  'variant.remove_validator': 'Remove a validator',
  'variant.rotate_validator_key': 'Rotate a validator key',
  'variant.project_owner': 'Project owner department',
  'variant.kind': 'Departments of a kind',
  'variant.id': 'One department',
  'field.request': 'Request (transaction hash)',
  'field.min_amount_fen': 'From amount',
  'field.required': 'Required approvals',
  'field.programme': 'Programme',
  'field.planned_start_ms': 'Planned start',
  'field.planned_end_ms': 'Planned end',
  'field.requested_budget_fen': 'Requested budget',
  'field.disclosure': 'Disclosure',
  'field.lines': 'Budget lines',
  'field.code': 'Classification code',
  'field.amount_fen': 'Amount',
  'field.document_hash': 'Document hash (SM3)',
  'field.delta_fen': 'Change (negative to reduce)',
  'field.credit_code': 'Unified social credit code',
  'field.party': 'Party checked',
  'field.registry': 'Credit registry',
  'field.verdict': 'Verdict',
  'field.result_hash': 'SM3 of the registry answer',
  'field.checked_ms': 'Checked at',
  'field.winner_credit_code': 'Winner’s credit code',
  'field.advance_share_bp': 'Advance payment share',
  'field.milestones': 'Payment milestones',
  'field.progress_bp': 'Progress reached',
  'field.share_bp': 'Share paid',
  'field.due_ms': 'Due date',
  'field.amount_delta_fen': 'Amount change (negative to reduce)',
  'field.schedule_delta_days': 'Schedule change (days, may be negative)',
  'field.percent_bp': 'Cumulative progress',
  'field.milestone': 'Milestone claimed (index, from 0)',
  'field.evidence_hash': 'Evidence hash (SM3)',
  'field.voucher_ref': 'Payment voucher',
  'field.responsible_person': 'Responsible person (key)',
  'field.deadline_ms': 'Deadline',
  'field.source_ref': 'Source report',
  'field.point': 'Log anchor point',
  'field.head': 'Chain head hash',
};

// English labels not written out above are the field names made readable.
for (const key of Object.keys(zh)) {
  if (key.startsWith('field.') && !(key in en)) en[key] = humanize(key.slice('field.'.length));
}

const dict: Dict = { zh, en };

/** The forms' translator (falls back to the shared labels: op., role., dept_kind., stage.). */
export const tf: T = makeT(dict);

/** "planned_end_ms" → "Planned end ms" when no label exists. */
export function humanize(name: string): string {
  const words = name.replace(/_(fen|bp|ms)$/, '').split('_').filter(Boolean);
  if (words.length === 0) return name;
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lookup(t: T, key: string): string | null {
  const text = t(key);
  return text === key ? null : text;
}

/** A field's label: the dictionary's, else the humanized name. */
export function fieldLabel(t: T, name: string): string {
  return lookup(t, `field.${name}`) ?? humanize(name);
}

/** An operation kind's label: the shared `op.` label, else the humanized name. */
export function kindLabel(t: T, kind: string): string {
  return lookup(t, `op.${kind}`) ?? humanize(kind);
}

/** A union variant's label. */
export function variantLabel(t: T, tag: string): string {
  return lookup(t, `variant.${tag}`) ?? lookup(t, `op.${tag}`) ?? humanize(tag);
}

/** Whether `text` has Chinese characters (Rust doc comments sometimes carry the Chinese term). */
function hasHan(text: string): boolean {
  return /[\u4e00-\u9fff]/.test(text);
}

/** An enum value's label: shared role/department-kind/op labels, ours, the Chinese doc comment, else the value. */
export function optionLabel(t: T, value: string, description?: string, lang: 'zh' | 'en' = 'zh'): string {
  for (const prefix of ['enum', 'role', 'dept_kind', 'op', 'stage']) {
    const found = lookup(t, `${prefix}.${value}`);
    if (found) return found;
  }
  if (lang === 'zh' && description && hasHan(description)) return description.split(/[:：]/)[0].replace(/[.。]$/, '');
  return humanize(value);
}

/** A rejection code in plain words (unknown codes get a general sentence). */
export function rejectionText(t: T, code: string): string {
  return lookup(t, `rej.${code}`) ?? t('rej.rejected');
}

/** An input problem in the reader's language (helper A's parser messages come in both). */
export function errorText(t: T, code: string, vars: Record<string, string | number> | undefined, lang: 'zh' | 'en'): string {
  if (code === 'input' && vars) return String(vars[lang] ?? vars.zh ?? '');
  return t(`err.${code}`, vars);
}
