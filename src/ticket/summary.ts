/**
 * What every view of a ticket starts with: `tickets show --json` (the contract's names) and the
 * facts the report's KPIs are computed from. The assignee is an agent's email.
 */
export interface TicketSummary {
  ref: string;
  subject: string;
  status: string;
  priority: string;
  category: string | null;
  tags: string[];
  assignee: string | null;
}
