// The whole run's PostgreSQL server and template database (see @allot/db/testing).
export { default } from '@allot/db/testing/global-setup';
