import type { RetentionPolicy } from '@orderbus/delivery';
import type { AttemptObserver, AttemptReport } from '@orderbus/dispatch';
import type { AttemptHistory } from './attempt-history';
import { attemptRecordOf } from './attempt-record';

/** The dispatcher's observer that writes every finished attempt into the attempt history. */
export class AttemptHistoryObserver implements AttemptObserver {
  constructor(
    private readonly history: AttemptHistory,
    private readonly retention: Pick<RetentionPolicy, 'attemptSnippetChars'>,
  ) {}

  /** Resolves once the record is stored (it may wait to share a write); holds only the record meanwhile. */
  onAttempt(report: AttemptReport): Promise<void> {
    return this.history.record(report.subscription.baseCode, attemptRecordOf(report, this.retention.attemptSnippetChars)).then(() => undefined);
  }

  flush(): void {
    this.history.flush();
  }
}
