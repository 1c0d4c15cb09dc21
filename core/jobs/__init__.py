"""Job postings, events (job fairs, trainings, briefings) and sign-ups, subscriptions and the daily digest."""
