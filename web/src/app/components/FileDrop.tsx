// A file chooser that also takes a file dropped on it — the key file at sign-in, a proof bundle
// or any document on the audit desk: the `.dropzone` box with a button that opens the picker.
import { useState } from 'preact/hooks';

export function FileDrop({
  prompt,
  choose,
  label,
  accept,
  onFile,
}: {
  /** Text before the button, e.g. "把密钥文件拖到这里，或". */
  prompt: string;
  /** The button's text. */
  choose: string;
  /** The file input's accessible name. */
  label: string;
  accept?: string;
  onFile: (file: File | undefined) => void;
}) {
  const [over, setOver] = useState(false);
  return (
    <div
      class={`dropzone${over ? ' dropzone-over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        onFile(e.dataTransfer?.files?.[0]);
      }}
    >
      <span>{prompt} </span>
      <label class="btn">
        {choose}
        <input class="sr-only" type="file" accept={accept} aria-label={label} onChange={(e) => onFile(e.currentTarget.files?.[0])} />
      </label>
    </div>
  );
}
