"""Cases: one record per matter whatever the channel, the closed loop, deadlines and escalation."""
