{ ... }: { services.postgresqlWalReceiver.receivers.main = { compress = true; }; }
