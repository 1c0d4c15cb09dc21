"""Service stations, their hours and services, and booking a visit: availability, bookings, reminders."""
