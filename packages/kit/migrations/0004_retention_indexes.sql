-- The retention sweeps read only the rows past their retention (RetentionCleanup, hourly).
CREATE INDEX inbox_handled_at ON inbox (handled_at);
CREATE INDEX dead_letter_failed_at ON dead_letter (failed_at);
