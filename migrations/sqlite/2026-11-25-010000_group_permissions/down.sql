DROP TABLE group_permissions;
