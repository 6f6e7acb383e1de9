// Mirrors migrations/sqlite and migrations/postgres; both backends share these types.
diesel::table! {
    accounts (id) {
        id -> Integer,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    operators (id) {
        id -> Integer,
        account_id -> Integer,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        active -> Bool,
        language -> Text,
        api_version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    groups (id) {
        id -> Integer,
        account_id -> Integer,
        name -> Text,
        builtin_admin -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    group_members (group_id, operator_id) {
        group_id -> Integer,
        operator_id -> Integer,
    }
}

diesel::table! {
    group_permissions (group_id, permission) {
        group_id -> Integer,
        permission -> Text,
    }
}

diesel::table! {
    machines (id) {
        id -> Integer,
        account_id -> Integer,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credentials (id) {
        id -> Integer,
        account_id -> Integer,
        public_id -> Text,
        secret_hash -> Text,
        label -> Text,
        operator_id -> Nullable<Integer>,
        machine_id -> Nullable<Integer>,
        active -> Bool,
        created_at -> Timestamp,
        created_by -> Nullable<Integer>,
        usage_tracked -> Bool,
        last_used_at -> Nullable<Timestamp>,
        last_used_ip -> Nullable<Text>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Text,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(operators -> accounts (account_id));
diesel::joinable!(group_members -> groups (group_id));
diesel::joinable!(group_members -> operators (operator_id));
diesel::joinable!(group_permissions -> groups (group_id));
diesel::joinable!(credentials -> operators (operator_id));
diesel::joinable!(credentials -> machines (machine_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    operators,
    groups,
    group_members,
    group_permissions,
    machines,
    credentials,
    web_sessions,
);
