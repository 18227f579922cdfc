-- What happens when something happens (DOMAIN P1, P2, P5, P6, P7, J2).
-- Each handler fires once per event seen in the last day (the nightly run);
-- the event's time is part of each action's dedupe key.

-- DOMAIN P1: contract signed -> welcome email with next steps; the
-- implementation specialist schedules the kickoff (human, P8/P9).
on "contract_signed" {
  email "welcome",
  task { "Schedule kickoff", owner = "specialist" },
}

-- DOMAIN P2: kickoff completed -> summary with action items; the CSM starts
-- the check-in series (weekly high-touch T1, every 2 weeks low-touch T2).
on "kickoff_completed" {
  email "kickoff_summary",
  task { "Start the check-in series", owner = "csm" },
}

-- DOMAIN P5: a training module completed -> congratulations and the next module.
on "training_completed" {
  email "training_next",
}

-- DOMAIN P6, C1, C2: a milestone reached -> celebration email (the event's
-- data carries what was achieved, with numbers).
on "milestone_reached" {
  email "celebration",
}

-- DOMAIN P7: the day-30 survey says the goal was not achieved -> a human
-- CSM takes over (P8: success-validation conversations are human).
on "survey_response" {
  when = function(_, e) return e.data.goal_achieved == false end,
  task { "Goal not achieved (day-30 survey): call the customer", owner = "csm" },
}

-- DOMAIN J2, P8: the champion left -> rebuild the relationship (human).
on "champion_left" {
  task { "Champion left: find and confirm a new champion", owner = "csm" },
}
