{ ... }: { services.postgresqlWalReceiver.receivers.main = { compress = 9; }; }
