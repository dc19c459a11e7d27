import { settleCredentials } from '../credentials';
import type { PromotionContext } from '../context';
import type { Step } from '../step';

/**
 * Right after the switch (and in every run that resumes after it): the tenant role's password
 * reaches the application — Secret Manager with Cloud Run, else the front end's channel — and
 * the delivery is recorded; a password no run ever delivered is rotated and the new one
 * delivered (see pipeline/credentials.ts). Past the commit point: a failure undoes nothing.
 */
export const credentialsStep: Step<PromotionContext> = {
  name: 'credentials',
  title: "Deliver the tenant role's password",
  run: settleCredentials,
};
