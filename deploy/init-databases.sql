-- One database per service (each service owns its schema and migrations).
CREATE DATABASE jc_registry;
CREATE DATABASE jc_planning;
CREATE DATABASE jc_sampling;
CREATE DATABASE jc_results;
CREATE DATABASE jc_audit;
