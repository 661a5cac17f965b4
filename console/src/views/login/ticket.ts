export type TicketState = 'loading' | 'pending' | 'scanned' | 'expired' | 'consumed' | 'error'

/** What the sign-in page shows after a poll that carried no session. */
export function nextPoll(status: string): TicketState {
  switch (status) {
    case 'pending':
      return 'pending'
    // Approved but the session went to another read: only a new code helps.
    case 'approved':
    case 'consumed':
      return 'consumed'
    case 'expired':
      return 'expired'
    default:
      return 'error'
  }
}
