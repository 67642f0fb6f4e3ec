"""The codec server: lets the Temporal UI and CLI show Accord's encrypted payloads to operators."""
