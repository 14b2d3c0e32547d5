// An error that carries its message in Chinese (for the console's users) and in English (for
// logs and developers). Key files, the canonical encoder and the input parsers throw subclasses,
// so the UI can show `error.zh` for any of them with one `instanceof BilingualError` check.

export class BilingualError extends Error {
  readonly zh: string;
  readonly en: string;

  constructor(zh: string, en: string) {
    super(en);
    this.name = new.target.name;
    this.zh = zh;
    this.en = en;
  }
}
