-- notes/search queries Groonga through this function (notes' migration 0005 creates it too when
-- its user may; the compose database's user may not, so the image does it as root).
CREATE FUNCTION IF NOT EXISTS mroonga_command RETURNS STRING SONAME 'ha_mroonga.so';
