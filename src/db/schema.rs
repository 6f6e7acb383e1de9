// Mirrors migrations/sqlite and migrations/postgres; both backends share these types.
diesel::table! {
    accounts (id) {
        id -> Integer,
        name -> Text,
        created_at -> Timestamp,
        default_rate_limit -> Nullable<Integer>,
        default_rate_window -> Nullable<Integer>,
        dormant_days -> Nullable<Integer>,
        delete_leaked -> Bool,
        parent_id -> Nullable<Integer>,
        active -> Bool,
        machine_key_mail -> Nullable<Bool>,
        audit_retention_days -> Nullable<Integer>,
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
        session_epoch -> Integer,
        key_count -> Integer,
        active_key_count -> Integer,
        muted_notices -> Text,
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
        key_count -> Integer,
        active_key_count -> Integer,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Integer,
        account_id -> Nullable<Integer>,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Integer>,
        actor_name -> Text,
        actor_ip -> Nullable<Text>,
        action -> Text,
        target_kind -> Text,
        target_id -> Nullable<Text>,
        target_name -> Text,
        changes -> Text,
        owner -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        created_at -> Timestamp,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        digest_key -> Nullable<Text>,
        digest_items -> Text,
    }
}

diesel::table! {
    operator_tokens (id) {
        id -> Integer,
        operator_id -> Integer,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
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
        expires_at -> Nullable<Timestamp>,
        expiry_reminded -> Bool,
        previous_secret_hash -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
        previous_last_used_at -> Nullable<Timestamp>,
        previous_last_used_ip -> Nullable<Text>,
        rolled_at -> Nullable<Timestamp>,
        allowed_from -> Text,
        scopes -> Text,
        rate_limit -> Nullable<Integer>,
        rate_window -> Nullable<Integer>,
        new_source_noticed_at -> Nullable<Timestamp>,
        window_extended -> Bool,
        dormant_noticed_at -> Nullable<Timestamp>,
        notify_new_network -> Bool,
        dormant_from -> Nullable<Timestamp>,
        canary -> Bool,
        expired_noticed -> Bool,
        import_lookup -> Nullable<Text>,
    }
}

diesel::table! {
    key_usage (credential_id, hour) {
        credential_id -> Integer,
        hour -> BigInt,
        ok -> Integer,
        wrong_secret -> Integer,
        inactive -> Integer,
        expired -> Integer,
        scope -> Integer,
        rate_limited -> Integer,
        address -> Integer,
    }
}

diesel::table! {
    key_sources (id) {
        id -> Integer,
        credential_id -> Integer,
        secret_fp -> Text,
        previous -> Bool,
        address -> Text,
        user_agent -> Text,
        first_seen -> Timestamp,
        last_seen -> Timestamp,
        uses -> BigInt,
    }
}

diesel::table! {
    rate_counters (credential_id, window_start) {
        credential_id -> Integer,
        window_start -> BigInt,
        used -> Integer,
    }
}

diesel::table! {
    scopes (id) {
        id -> Integer,
        account_id -> Integer,
        name -> Text,
        description -> Text,
        open -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Text,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Integer,
        account_id -> Integer,
        url -> Text,
        description -> Text,
        events -> Text,
        secret_salt -> Text,
        active -> Bool,
        disabled_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Integer,
        endpoint_id -> Integer,
        message_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_duration_ms -> Nullable<Integer>,
    }
}

diesel::joinable!(operators -> accounts (account_id));
diesel::joinable!(group_members -> groups (group_id));
diesel::joinable!(group_members -> operators (operator_id));
diesel::joinable!(group_permissions -> groups (group_id));
diesel::joinable!(credentials -> operators (operator_id));
diesel::joinable!(credentials -> machines (machine_id));

diesel::joinable!(operator_tokens -> operators (operator_id));
diesel::joinable!(scopes -> accounts (account_id));
diesel::joinable!(key_sources -> credentials (credential_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    key_sources,
    key_usage,
    rate_counters,
    scopes,
    audit_events,
    outbox,
    operator_tokens,
    operators,
    groups,
    group_members,
    group_permissions,
    machines,
    credentials,
    web_sessions,
    webhook_endpoints,
    webhook_deliveries,
);
