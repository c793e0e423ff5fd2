import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';

interface DialogProps {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  /** With a submit handler the body is a form and Enter submits it. */
  onSubmit?: () => void;
  actions?: ReactNode;
}

/**
 * A modal on the native <dialog>: the browser traps focus, Escape closes it and the rest of the
 * page is inert, which no hand-made overlay gets entirely right.
 */
export function Dialog({ title, open, onClose, children, onSubmit, actions }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit?.();
  };
  const body = (
    <>
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {actions ? 'Cancel' : 'Close'}
        </button>
        {actions}
      </div>
    </>
  );
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open &&
        (onSubmit ? (
          <form onSubmit={submit} noValidate>
            {body}
          </form>
        ) : (
          body
        ))}
    </dialog>
  );
}

interface ConfirmProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  /** The button that opens the confirmation. */
  trigger: (open: () => void) => ReactNode;
}

/** A destructive action asks first, and says what went wrong if the server refuses. */
export function Confirm({ title, children, confirmLabel, onConfirm, trigger }: ConfirmProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const confirm = async () => {
    setBusy(true);
    setError('');
    try {
      await onConfirm();
      setOpen(false);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {trigger(() => setOpen(true))}
      <Dialog
        title={title}
        open={open}
        onClose={() => setOpen(false)}
        onSubmit={() => void confirm()}
        actions={
          <button type="submit" className="button danger" disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        }
      >
        {children}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </Dialog>
    </>
  );
}
