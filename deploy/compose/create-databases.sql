-- compose.yaml: the databases of the five services with one (app-auth keeps sessions in Redis).
-- Run once, by the postgres image, when its data volume is empty.
CREATE DATABASE app_user;
CREATE DATABASE app_billing;
CREATE DATABASE app_bonus;
CREATE DATABASE app_adv;
CREATE DATABASE app_notify;
