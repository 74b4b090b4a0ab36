-- The role and the database the daemons share (run once, as PostgreSQL's superuser:
-- psql -f contrib/postgres/create-database.sql). dicomq creates its tables at first start.
CREATE ROLE dicomq LOGIN PASSWORD 'CHANGE-ME';
CREATE DATABASE pacs OWNER dicomq ENCODING 'UTF8';
