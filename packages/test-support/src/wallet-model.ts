/**
 * The reference model of monetary credits on invoices, in minor units (integers): what the
 * credit-billing guides promise, written as plainly as possible so the engine can be checked
 * against it. Credits are granted with an optional expiry; an invoice applies the spendable ones
 * in burn order (soonest expiry first, none last, then the oldest) up to what it owes; they are
 * pending until it is paid; a void gives each portion back to its grant, where it is spendable
 * again only if the grant has not expired.
 */
interface ModelGrant {
  remaining: number;
  expiresAt: Date | null;
  order: number;
}

interface Application {
  grant: ModelGrant;
  credits: number;
}

export class WalletModel {
  private readonly grants: ModelGrant[] = [];
  private readonly applications = new Map<string, Application[]>();
  private readonly unpaid = new Set<string>();

  grant(amount: number, expiresAt: Date | null): void {
    this.grants.push({ remaining: amount, expiresAt, order: this.grants.length });
  }

  private spendable(at: Date): ModelGrant[] {
    return this.grants
      .filter((g) => g.remaining > 0 && (g.expiresAt === null || g.expiresAt > at))
      .sort(
        (a, b) =>
          (a.expiresAt?.getTime() ?? Infinity) - (b.expiresAt?.getTime() ?? Infinity) ||
          a.order - b.order,
      );
  }

  available(at: Date): number {
    return this.spendable(at).reduce((sum, g) => sum + g.remaining, 0);
  }

  /** An invoice issued at `at` owing `due`: the credits it applies. */
  issue(invoiceId: string, due: number, at: Date): number {
    let left = due;
    const taken: Application[] = [];
    for (const grant of this.spendable(at)) {
      if (left === 0) break;
      const credits = Math.min(grant.remaining, left);
      grant.remaining -= credits;
      left -= credits;
      taken.push({ grant, credits });
    }
    this.applications.set(invoiceId, taken);
    const applied = due - left;
    if (applied < due) this.unpaid.add(invoiceId);
    return applied;
  }

  pay(invoiceId: string): void {
    this.unpaid.delete(invoiceId);
  }

  void(invoiceId: string): void {
    for (const { grant, credits } of this.applications.get(invoiceId) ?? [])
      grant.remaining += credits;
    this.applications.delete(invoiceId);
    this.unpaid.delete(invoiceId);
  }

  /** Credits applied to invoices not yet paid. */
  pending(): number {
    let sum = 0;
    for (const id of this.unpaid)
      for (const { credits } of this.applications.get(id) ?? []) sum += credits;
    return sum;
  }
}
