// Package sim simulates a Sunmi camera's notification center (vendor
// document 003, "IPC Notification Center"), written from the document: it
// imports nothing from the adapter (package lanevents); both are checked
// against the frame and signature vectors worked out by hand in the
// adapter's tests.
//
// A Camera serves:
//   - the message channel (§2) over TLS with its own certificate on a
//     configurable loopback port (the real camera's is 10021): it checks
//     the CONNECT signature, timestamp and fields, answers SUBSCRIBE and
//     UNSUBSCRIBE, PINGREQ, publishes its events in order with up to
//     InFlight waiting for their PUBACK, sends unacknowledged events again
//     on the next connection (NOTES.md item 43), and drops a client silent
//     for three keep-alive periods (item 42);
//   - its HTTPS API (hook/add, hook/delete, hook/query of §1.2, signed form
//     posts) and the media its events link to (pictures and clips under
//     /mnt/sd-card/, with an auth_key that expires like the camera's);
//   - the webhook poster (§1.3): each event, in order, as a signed
//     multipart post to every subscribed callback, retried with backoff for
//     about a minute. Callbacks must be on loopback (hook/add refuses
//     others with code 2): the network rule for tests and the demo.
//
// Codes (003 has no table, NOTES.md item 37; the adapter reads the same):
// 0 success, 1 unknown app or bad signature, 2 a parameter missing or
// malformed, 3 timestamp outside the window (5 minutes), 310 unknown event
// type, 311 an event this model does not publish (face_recog_event on an
// FM010, item 45).
//
// The generator makes a shop's day: people arriving with exponential waits,
// busier at lunch and in the evening, 40% of faces from the roster (named
// with a "name" custom attribute, NOTES.md item 35's named keys), the rest
// strangers, with motion events between.
//
// Fault knobs (one-shot, Faults): drop the connection half way through a
// frame, corrupt a CRC, repeat an event id, deliver a pair out of order,
// stall (answer nothing for a while), refuse the next CONNECT with a code.
package sim
