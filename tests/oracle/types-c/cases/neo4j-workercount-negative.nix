{ ... }: { services.neo4j.workerCount = -1; }
