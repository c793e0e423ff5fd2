import type { ReactNode } from 'react';

type Tone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

export function Badge({ tone = 'neutral', children }: { tone?: Tone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const statusTones: Record<string, Tone> = {
  active: 'good',
  suspended: 'warn',
  canceled: 'bad',
  expired: 'neutral',
  voided: 'bad',
  pending: 'info',
  depleted: 'neutral',
  succeeded: 'good',
  applied: 'good',
  failed: 'bad',
  issued: 'info',
  paid: 'good',
  void: 'neutral',
};

export const StatusBadge = ({ status }: { status: string }) => (
  <Badge tone={statusTones[status] ?? 'neutral'}>{status}</Badge>
);
