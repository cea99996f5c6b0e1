/** Why the bus writes to a subscription's contact. */
export type AlertKind = 'failing' | 'auto-disabled' | 're-enabled' | 'receiver-error';

/** One e-mail to a subscription's exception contact (seed 002), plain text and HTML. */
export interface AlertMail {
  kind: AlertKind;
  baseCode: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}
