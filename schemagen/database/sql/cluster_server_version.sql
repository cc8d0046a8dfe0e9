-- The server's version as a number (150018 for 15.18).
SHOW server_version_num
