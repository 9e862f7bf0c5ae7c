"""One file per person (一人一档): encrypted ID and phone numbers, lookup hashes, and the audit of who saw them."""
