// Sign in with a key file (file picker or drag-and-drop); the secret stays in this tab's memory.
// Optionally the key file is kept on this device sealed under a passphrase (helper A's
// sealKeyFile), so next time an unlock screen asks only for the passphrase; "forget" erases it.
import { useEffect, useState } from 'preact/hooks';
import { makeT, useLang } from '../../i18n';
import { parseKeyFile, sealKeyFile, openSealedKey, sealedKeyInfo, type KeyFile, type SealedKeyInfo } from '../../../crypto/keys';
import { connect } from '../../chain';
import { setSession } from '../../session';
import { errorText, errorCode } from '../../components/errors';
import { LangSwitch } from '../../components/Layout';
import { FileDrop } from '../../components/FileDrop';

const t = makeT({
  zh: {
    title: '登录部门工作台',
    intro: '请选择由 gongxin keys new 生成的密钥文件（ed25519 或 SM2）。私钥只保存在本浏览器内存中，不会上传。',
    file: '密钥文件',
    drop: '把密钥文件拖到这里，或',
    choose: '选择文件',
    chosen: '已读取：{name}（{alg}）',
    key: '公钥',
    remember: '在本设备记住密钥（用口令加密保存）',
    passphrase: '口令（至少 8 个字符）',
    passphrase2: '再次输入口令',
    mismatch: '两次输入的口令不一致',
    signin: '登录',
    signing: '正在登录…',
    no_file: '请先选择密钥文件',
    unlock_title: '解锁已保存的密钥',
    unlock_intro: '本设备保存了 {name} 的密钥（{key}）。输入口令解锁。',
    unlock: '解锁并登录',
    unlocking: '正在解锁…',
    forget: '忘记本设备上的密钥',
    forget_confirm: '确定从本设备删除保存的密钥吗？删除后需要重新选择密钥文件。',
    other: '使用其他密钥文件',
    not_member: '该密钥不是任何部门的当前成员，无法登录。请联系本部门局长添加或更换密钥。',
    read_fail: '无法读取文件',
    privacy: '提示：请勿在公用电脑上选择“记住密钥”。',
  },
  en: {
    title: 'Sign in to the department console',
    intro: 'Choose the key file written by gongxin keys new (ed25519 or SM2). The secret key stays in this browser’s memory and is never uploaded.',
    file: 'Key file',
    drop: 'Drop the key file here, or',
    choose: 'choose a file',
    chosen: 'Read: {name} ({alg})',
    key: 'Public key',
    remember: 'Remember the key on this device (encrypted under a passphrase)',
    passphrase: 'Passphrase (at least 8 characters)',
    passphrase2: 'Passphrase again',
    mismatch: 'The two passphrases differ',
    signin: 'Sign in',
    signing: 'Signing in…',
    no_file: 'Choose a key file first',
    unlock_title: 'Unlock the saved key',
    unlock_intro: 'This device keeps the key of {name} ({key}). Enter the passphrase to unlock it.',
    unlock: 'Unlock and sign in',
    unlocking: 'Unlocking…',
    forget: 'Forget the key on this device',
    forget_confirm: 'Delete the saved key from this device? You will need the key file again.',
    other: 'Use another key file',
    not_member: 'This key is not a current member of any department. Ask your director to add or rotate it.',
    read_fail: 'Cannot read the file',
    privacy: 'Do not remember the key on a shared computer.',
  },
});

const SEALED_KEY = 'gongxin.sealed-key';

function loadSealed(): { sealed: string; info: SealedKeyInfo } | null {
  try {
    const sealed = localStorage.getItem(SEALED_KEY);
    return sealed ? { sealed, info: sealedKeyInfo(sealed) } : null;
  } catch {
    return null;
  }
}

/** Sign in with a parsed key file: whoami, then the session; a non-member gets a clear reason. */
async function signIn(file: KeyFile): Promise<void> {
  try {
    const session = await connect(file.signer);
    setSession(session);
  } catch (e) {
    if (errorCode(e) === 'not_a_member') throw new Error(t('not_member'), { cause: e });
    throw e;
  }
}

function afterSignIn() {
  const back = sessionStorage.getItem('gongxin.after-signin');
  sessionStorage.removeItem('gongxin.after-signin');
  location.hash = back && !back.startsWith('#/signin') ? back : '#/inbox';
}

function UnlockForm({ saved, onOther }: { saved: { sealed: string; info: SealedKeyInfo }; onOther: () => void }) {
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const text = await openSealedKey(saved.sealed, pass);
      await signIn(parseKeyFile(text));
      afterSignIn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const forget = () => {
    if (!confirm(t('forget_confirm'))) return;
    localStorage.removeItem(SEALED_KEY);
    onOther();
  };
  return (
    <form onSubmit={onSubmit} class="card stack" aria-labelledby="unlock-title">
      <h2 id="unlock-title">{t('unlock_title')}</h2>
      <p>{t('unlock_intro', { name: saved.info.name, key: `${saved.info.publicKeyText.slice(0, 18)}…` })}</p>
      <label class="field">
        <span>{t('passphrase')}</span>
        <input type="password" autoComplete="current-password" value={pass} onInput={(e) => setPass(e.currentTarget.value)} required autoFocus />
      </label>
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy || !pass}>
          {busy ? t('unlocking') : t('unlock')}
        </button>
        <button type="button" class="btn" onClick={onOther}>
          {t('other')}
        </button>
        <button type="button" class="btn btn-danger-ghost" onClick={forget}>
          {t('forget')}
        </button>
      </div>
    </form>
  );
}

function KeyFileForm() {
  const [file, setFile] = useState<{ text: string; key: KeyFile } | null>(null);
  const [remember, setRemember] = useState(false);
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const read = async (f: File | undefined | null) => {
    if (!f) return;
    setError(null);
    setFile(null);
    try {
      const text = await f.text();
      setFile({ text, key: parseKeyFile(text) });
    } catch (err) {
      setError(`${t('read_fail')}：${errorText(err)}`);
    }
  };

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!file) return setError(t('no_file'));
    if (remember && pass !== pass2) return setError(t('mismatch'));
    setBusy(true);
    setError(null);
    try {
      const sealed = remember ? await sealKeyFile(file.text, pass) : null;
      await signIn(file.key);
      if (sealed) localStorage.setItem(SEALED_KEY, sealed);
      afterSignIn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={onSubmit} class="card stack" aria-labelledby="signin-title" noValidate>
      <h2 id="signin-title">{t('title')}</h2>
      <p>{t('intro')}</p>
      <FileDrop prompt={t('drop')} choose={t('choose')} label={t('file')} accept=".key,.json,application/json,text/plain" onFile={(f) => void read(f)} />
      {file && (
        <p class="form-ok" role="status">
          ✔ {t('chosen', { name: file.key.name, alg: file.key.algorithm === 'sm2' ? 'SM2' : 'Ed25519' })}
          <br />
          <small>
            {t('key')}: <code class="hex wrap">{file.key.publicKeyText}</code>
          </small>
        </p>
      )}
      <label class="check">
        <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />
        <span>{t('remember')}</span>
      </label>
      {remember && (
        <div class="stack">
          <label class="field">
            <span>{t('passphrase')}</span>
            <input type="password" autoComplete="new-password" minLength={8} value={pass} onInput={(e) => setPass(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>{t('passphrase2')}</span>
            <input type="password" autoComplete="new-password" minLength={8} value={pass2} onInput={(e) => setPass2(e.currentTarget.value)} />
          </label>
          <p class="hint">{t('privacy')}</p>
        </div>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? t('signing') : t('signin')}
        </button>
      </div>
    </form>
  );
}

export function SigninPage() {
  useLang();
  const [saved, setSaved] = useState(loadSealed);
  useEffect(() => {
    document.title = t('title');
  }, []);
  return (
    <div class="signin">
      <header class="signin-header">
        <h1>{t('app.title')}</h1>
        <LangSwitch />
      </header>
      <main id="main" tabIndex={-1}>
        {saved ? <UnlockForm saved={saved} onOther={() => setSaved(null)} /> : <KeyFileForm />}
      </main>
    </div>
  );
}
