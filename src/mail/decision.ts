/**
 * The decision record (after Haraka's transaction.results): every stage that looks at an inbound
 * mail appends what it decided and why. It is stored with the message and the receipt, so any
 * delivery can be explained afterwards (`deskmail tickets show`).
 */
export interface Decision {
  stage: string;
  verdict: string;
  reason: string;
}
