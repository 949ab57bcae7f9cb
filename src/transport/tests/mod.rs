//! State-machine tests of the client, and a simulated network with a fake relay.

mod chaos;
mod client;
mod sim;
mod storm;
