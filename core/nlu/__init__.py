"""Understanding what people type: a message becomes an intent, a confidence and slots.

Every text message (and recognised voice) passes here before routing (bot.router): the
intents cover everything the bot does (content/intents/), the slots are what a feature
needs from the message (town, kind of work, pay, day, part of day, service, which item
of a list). Policy questions go on to the FAQ (core.faq).
"""
