-- The retention sweep of finished purchases' steps (purchaseStepRetention) reads only old steps.
CREATE INDEX purchase_steps_at ON purchase_steps (at);
