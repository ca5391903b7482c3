// Placeholder until this library lands.
