//! The message catalog: every visible string, in English and French. One table, so a key
//! cannot exist in one language only (a test also checks every key a template uses).

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Some(Lang::En),
            Some("fr") => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let lang = Lang::from_code(pieces.next()?.trim())?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0));
        choices.first().map(|(_, lang)| *lang)
    }

    pub fn t(self, key: &str) -> &'static str {
        match CATALOG.get(key) {
            Some((en, fr)) => match self {
                Lang::En => en,
                Lang::Fr => fr,
            },
            None => {
                tracing::error!(key, "missing catalog key");
                "???"
            }
        }
    }

    pub fn chrono_locale(self) -> chrono::Locale {
        match self {
            Lang::En => chrono::Locale::en_GB,
            Lang::Fr => chrono::Locale::fr_FR,
        }
    }
}

pub static CATALOG: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| {
        MESSAGES
            .iter()
            .map(|(k, en, fr)| (*k, (*en, *fr)))
            .collect()
    });

/// (key, English, French). French wording follows the seed help pages.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("action.credential.created", "Key created", "Clé créée"),
    (
        "action.credential.registered",
        "Key registered through the API",
        "Clé enregistrée par l'API",
    ),
    ("action.credential.renamed", "Key renamed", "Clé renommée"),
    (
        "action.credential.activated",
        "Key activated",
        "Clé activée",
    ),
    (
        "action.credential.deactivated",
        "Key deactivated",
        "Clé désactivée",
    ),
    (
        "action.credential.expiry_changed",
        "Key expiry changed",
        "Expiration de la clé modifiée",
    ),
    ("action.credential.deleted", "Key deleted", "Clé supprimée"),
    (
        "action.credential.rolled",
        "Key rolled (new secret)",
        "Clé renouvelée (nouveau secret)",
    ),
    (
        "action.credential.scopes_changed",
        "Key's scopes changed",
        "Portées de la clé modifiées",
    ),
    (
        "action.credential.rate_limit_changed",
        "Key's rate limit changed",
        "Limite de débit de la clé modifiée",
    ),
    (
        "action.account.rate_limit_changed",
        "Default rate limit of keys changed",
        "Limite de débit par défaut des clés modifiée",
    ),
    (
        "action.scope.created",
        "Scope added to the catalog",
        "Portée ajoutée au catalogue",
    ),
    (
        "action.scope.updated",
        "Scope changed in the catalog",
        "Portée modifiée dans le catalogue",
    ),
    (
        "action.scope.deleted",
        "Scope removed from the catalog",
        "Portée retirée du catalogue",
    ),
    (
        "action.credential.allowlist_changed",
        "Key's allowed addresses changed",
        "Adresses autorisées de la clé modifiées",
    ),
    (
        "action.credential.notice_changed",
        "New-network notice of the key turned on or off",
        "Avis de nouveau réseau de la clé activé ou désactivé",
    ),
    (
        "api.notice_wider",
        "A key whose use from new networks is told cannot make or set a key whose use is not.",
        "Une clé dont l'utilisation depuis de nouveaux réseaux est signalée ne peut pas créer ni régler une clé dont l'utilisation ne l'est pas.",
    ),
    (
        "api.own_notice",
        "A key cannot turn off the notice of its own use from new networks.",
        "Une clé ne peut pas désactiver l'avis de sa propre utilisation depuis de nouveaux réseaux.",
    ),
    ("error.too_long", "Too long.", "Trop long."),
    (
        "keys.canary",
        "Canary: never works",
        "Leurre : ne fonctionne jamais",
    ),
    (
        "keys.canary_field",
        "A canary key (a tripwire)",
        "Une clé leurre (un piège)",
    ),
    (
        "keys.canary_check",
        "Make this key a canary",
        "Faire de cette clé un leurre",
    ),
    (
        "keys.canary_help",
        "Plant it where an intruder would look: it never works (refused like any invalid key), and every use is mailed to its owner at once with the address and the program. It cannot become a working key later.",
        "Placez-la là où un intrus chercherait : elle ne fonctionne jamais (refusée comme toute clé invalide), et chaque utilisation est signalée aussitôt par courriel à son propriétaire, avec l'adresse et le programme. Elle ne peut pas devenir une clé utilisable ensuite.",
    ),
    (
        "action.credential.canary_used",
        "Canary key used",
        "Clé leurre utilisée",
    ),
    (
        "mail.credential_canary_subject",
        "Canary key used: {label}",
        "Clé leurre utilisée : {label}",
    ),
    (
        "mail.credential_canary",
        "The canary key {label} ({id}) of {owner} was presented from {address} (user agent: {agent}). It never works and was refused, but whoever holds it found it where you planted it: look for an intruder there. The journal lists every use.",
        "La clé leurre {label} ({id}) de {owner} a été présentée depuis {address} (agent utilisateur : {agent}). Elle ne fonctionne jamais et a été refusée, mais qui la détient l'a trouvée là où vous l'aviez placée : cherchez-y un intrus. Le journal liste chaque utilisation.",
    ),
    (
        "action.credential.leak_reported",
        "Key reported as leaked",
        "Clé signalée comme divulguée",
    ),
    (
        "action.credential.new_network",
        "Key used from a new network",
        "Clé utilisée depuis un nouveau réseau",
    ),
    (
        "action.credential.roll_window_extended",
        "Old secret's window extended",
        "Période de l'ancien secret prolongée",
    ),
    ("settings.dormant", "Dormant keys", "Clés dormantes"),
    (
        "settings.dormant_days",
        "Days unused (empty: off)",
        "Jours sans utilisation (vide : désactivé)",
    ),
    (
        "settings.dormant_help",
        "A key unused for this many days is noticed to its owner (mail, journal, a flag in the lists), then deactivated a week later unless used meanwhile — deactivated, not deleted: reactivating it restores the same value.",
        "Une clé inutilisée depuis ce nombre de jours est signalée à son propriétaire (courriel, journal, une marque dans les listes), puis désactivée une semaine plus tard si elle n'a pas servi entre-temps — désactivée, pas supprimée : la réactiver rend la même valeur.",
    ),
    (
        "settings.dormant_saved",
        "Saved: dormant keys.",
        "Enregistré : clés dormantes.",
    ),
    (
        "settings.dormant_out_of_range",
        "Give a number of days from 1 to 3650, or leave it empty.",
        "Indiquez un nombre de jours de 1 à 3650, ou laissez vide.",
    ),
    (
        "keys.dormant",
        "Unused: deactivated on",
        "Inutilisée : désactivée le",
    ),
    (
        "action.credential.dormant_noticed",
        "Unused key noticed",
        "Clé inutilisée signalée",
    ),
    (
        "action.credential.dormant_deactivated",
        "Unused key deactivated",
        "Clé inutilisée désactivée",
    ),
    (
        "action.account.dormancy_changed",
        "Dormant keys setting changed",
        "Réglage des clés dormantes modifié",
    ),
    (
        "action.credential.roll_window_ended",
        "Old secret's window ended",
        "Fin de la période de l'ancien secret",
    ),
    (
        "action.credential.previous_retired",
        "Old secret retired",
        "Ancien secret retiré",
    ),
    (
        "action.credential.handed_over",
        "Key handed over",
        "Clé transférée",
    ),
    (
        "action.api.auth_failed",
        "API authentication failed",
        "Échec d'authentification à l'API",
    ),
    (
        "action.operator.created",
        "Operator created",
        "Opérateur créé",
    ),
    (
        "action.operator.invited",
        "Operator invited",
        "Opérateur invité",
    ),
    (
        "action.operator.updated",
        "Operator updated",
        "Opérateur modifié",
    ),
    (
        "action.operator.activated",
        "Operator activated",
        "Opérateur activé",
    ),
    (
        "action.operator.deactivated",
        "Operator deactivated",
        "Opérateur désactivé",
    ),
    (
        "action.operator.deleted",
        "Operator deleted",
        "Opérateur supprimé",
    ),
    (
        "action.operator.password_set",
        "Password set from an invitation",
        "Mot de passe défini depuis une invitation",
    ),
    (
        "action.operator.password_changed",
        "Password changed",
        "Mot de passe modifié",
    ),
    (
        "action.operator.password_reset_requested",
        "Password reset requested",
        "Réinitialisation du mot de passe demandée",
    ),
    (
        "action.operator.password_reset",
        "Password reset",
        "Mot de passe réinitialisé",
    ),
    ("action.signin.succeeded", "Signed in", "Connexion réussie"),
    (
        "action.signin.failed",
        "Sign-in failed",
        "Échec de connexion",
    ),
    ("action.group.created", "Group created", "Groupe créé"),
    ("action.group.renamed", "Group renamed", "Groupe renommé"),
    ("action.group.deleted", "Group deleted", "Groupe supprimé"),
    (
        "action.group.member_added",
        "Member added to a group",
        "Membre ajouté à un groupe",
    ),
    (
        "action.group.member_removed",
        "Member removed from a group",
        "Membre retiré d'un groupe",
    ),
    (
        "action.group.permissions_changed",
        "Group permissions changed",
        "Autorisations du groupe modifiées",
    ),
    ("action.machine.created", "Machine created", "Machine créée"),
    (
        "action.machine.renamed",
        "Machine renamed",
        "Machine renommée",
    ),
    (
        "action.machine.updated",
        "Machine updated",
        "Machine modifiée",
    ),
    (
        "action.machine.deleted",
        "Machine deleted",
        "Machine supprimée",
    ),
    ("action.audit.pruned", "Journal pruned", "Journal purgé"),
    ("actor.operator", "Operator", "Opérateur"),
    ("actor.credential", "API key", "Clé d'API"),
    ("actor.system", "Keyward", "Keyward"),
    ("app.name", "Keyward", "Keyward"),
    (
        "app.tagline",
        "API credentials console",
        "Console des identifiants d'API",
    ),
    ("nav.main", "Main menu", "Menu principal"),
    (
        "nav.account_setup",
        "Account setup",
        "Configuration de compte",
    ),
    (
        "nav.operators_groups",
        "Operators, groups (and sub accounts)",
        "Opérateurs, groupes et sous-comptes",
    ),
    ("nav.language", "Language", "Langue"),
    ("nav.my_profile", "My profile", "Mon profil"),
    ("nav.sign_out", "Sign out", "Se déconnecter"),
    ("nav.signed_in_as", "Signed in as", "Connecté en tant que"),
    ("nav.breadcrumb", "Breadcrumb", "Fil d'Ariane"),
    ("nav.skip", "Skip to content", "Aller au contenu"),
    ("lang.en", "English", "English"),
    ("lang.fr", "Français", "Français"),
    ("common.cancel", "Cancel", "Annuler"),
    ("common.close", "Close", "Fermer"),
    ("common.save", "Save", "Enregistrer"),
    ("common.create", "Create", "Créer"),
    ("common.next", "Next", "Suivant"),
    ("common.previous", "Previous", "Précédent"),
    ("common.search", "Search", "Rechercher"),
    ("common.active", "Active", "Active"),
    ("common.inactive", "Inactive", "Inactive"),
    // French agrees with the noun: une clé « active », un opérateur « actif ».
    ("operators.active", "Active", "Actif"),
    ("operators.inactive", "Inactive", "Inactif"),
    ("common.name", "Name", "Nom"),
    ("common.email", "Email", "E-mail"),
    ("common.password", "Password", "Mot de passe"),
    (
        "common.password_confirm",
        "Password (again)",
        "Mot de passe (confirmation)",
    ),
    ("common.created", "Created", "Date de création"),
    ("common.status", "Status", "Statut"),
    ("account.organisation", "Organisation", "Organisation"),
    (
        "mail.digest_subject",
        "{n} changes to your API keys",
        "{n} modifications de vos clés d'API",
    ),
    (
        "mail.digest_intro",
        "These {n} changes were made in the last few minutes:",
        "Ces {n} modifications ont été faites ces dernières minutes :",
    ),
    (
        "operators.password_only_if",
        "Only when the password is set here:",
        "Seulement si le mot de passe est défini ici :",
    ),
    (
        "operators.no_groups_to_give",
        "There is no group you may give. The operator can be added to groups later.",
        "Aucun groupe que vous puissiez attribuer. L'opérateur pourra être ajouté à des groupes plus tard.",
    ),
    // Between a name and its value: French puts a (non-breaking) space before the colon.
    ("common.colon", ": ", "\u{a0}: "),
    ("common.actions", "Actions", "Actions"),
    (
        "common.back_home",
        "Back to the console",
        "Retour à la console",
    ),
    ("common.utc", "UTC", "UTC"),
    (
        "setup.title",
        "Welcome to Keyward",
        "Bienvenue dans Keyward",
    ),
    (
        "setup.intro",
        "No operator exists yet. Create the first administrator: this account can then add everybody else.",
        "Aucun opérateur n'existe encore. Créez le premier administrateur : ce compte pourra ensuite ajouter tous les autres.",
    ),
    ("setup.organisation", "Organisation", "Organisation"),
    ("setup.code", "Setup code", "Code d'installation"),
    (
        "setup.code_help",
        "Keyward printed it in its log when it started; the command keyward setup-code prints it too. It proves you run this server.",
        "Keyward l'a affiché dans son journal au démarrage ; la commande keyward setup-code l'affiche aussi. Il prouve que vous exploitez ce serveur.",
    ),
    (
        "setup.bad_code",
        "This is not the setup code of this server. Copy it from Keyward's log, or run keyward setup-code.",
        "Ce n'est pas le code d'installation de ce serveur. Copiez-le depuis le journal de Keyward, ou lancez keyward setup-code.",
    ),
    (
        "setup.submit",
        "Create the administrator",
        "Créer l'administrateur",
    ),
    (
        "setup.done",
        "Setup is complete. Sign in with the administrator you created.",
        "La configuration est terminée. Connectez-vous avec l'administrateur créé.",
    ),
    ("login.title", "Sign in", "Connexion"),
    ("login.submit", "Sign in", "Se connecter"),
    (
        "login.failed",
        "Wrong email or password.",
        "E-mail ou mot de passe incorrect.",
    ),
    (
        "login.signed_out",
        "You are signed out.",
        "Vous êtes déconnecté.",
    ),
    (
        "account.title",
        "Operators, groups (and sub accounts)",
        "Opérateurs, groupes et sous-comptes",
    ),
    (
        "account.operators_intro",
        "Operators are the people who sign in to this console. Each operator can own API accounts.",
        "Les opérateurs sont les personnes qui se connectent à cette console. Chaque opérateur peut posséder des comptes API.",
    ),
    (
        "account.view_all_operators",
        "View all operators",
        "Voir tous les opérateurs",
    ),
    ("account.operator_count", "Operators", "Opérateurs"),
    ("account.groups", "Groups", "Groupes"),
    ("account.group_admins", "Administrators", "Administrateurs"),
    (
        "account.groups_intro",
        "Administrators can manage every operator and every API account.",
        "Les administrateurs peuvent gérer tous les opérateurs et tous les comptes API.",
    ),
    ("account.members", "Members", "Membres"),
    ("operators.title", "All operators", "Tous les opérateurs"),
    ("operators.add", "Add operator", "Ajouter un opérateur"),
    (
        "operators.empty",
        "No operator yet. Click Add operator to create one.",
        "Aucun opérateur. Cliquez sur Ajouter un opérateur pour en créer un.",
    ),
    ("operators.role", "Role", "Rôle"),
    ("operators.role_admin", "Administrator", "Administrateur"),
    ("operators.role_operator", "Operator", "Opérateur"),
    ("operators.new_title", "New operator", "Nouvel opérateur"),
    (
        "operators.initial_password",
        "Initial password",
        "Mot de passe initial",
    ),
    (
        "operators.make_admin",
        "Member of Administrators",
        "Membre du groupe Administrateurs",
    ),
    ("operators.created", "Operator created.", "Opérateur créé."),
    (
        "operators.email_taken",
        "An operator with this email already exists.",
        "Un opérateur avec cet e-mail existe déjà.",
    ),
    (
        "operator.tabs",
        "Operator settings",
        "Paramètres de l'opérateur",
    ),
    ("operator.tab_main", "Main", "Général"),
    ("operator.tab_api", "API management", "Gestion des API"),
    ("operator.language", "Language", "Langue"),
    ("api.title", "API management", "Gestion des API"),
    (
        "api.intro",
        "API accounts let programs call the API with HTTP Basic authentication: the username and the password below. An API account is not the same as the operator's console account.",
        "Les comptes API permettent aux programmes d'appeler l'API avec l'authentification de base HTTP : le nom d'utilisateur et le mot de passe ci-dessous. Un compte API est distinct du compte de l'opérateur dans la console.",
    ),
    (
        "api.note_passwords",
        "Passwords cannot be retrieved on this tab or anywhere else. Note the password when you create an API account.",
        "Vous ne pouvez pas récupérer les mots de passe via cet onglet, ni ailleurs. Notez le mot de passe lors de la création d'un compte API.",
    ),
    ("api.add", "Add API user", "Ajouter un utilisateur d'API"),
    ("api.username", "Username", "Nom d'utilisateur"),
    ("api.label", "Label", "Libellé"),
    ("api.last_used", "Last used", "Dernière utilisation"),
    ("api.last_used_unknown", "Unknown", "Utilisation inconnue"),
    ("api.not_yet_used", "Not yet used", "Pas encore utilisé"),
    ("api.from_ip", "from", "depuis"),
    (
        "api.empty",
        "This operator has no API account yet. Click Add API user to create one.",
        "Cet opérateur n'a encore aucun compte API. Cliquez sur Ajouter un utilisateur d'API pour en créer un.",
    ),
    (
        "api.delete",
        "Delete API user",
        "Supprimer l'utilisateur de l'API",
    ),
    ("api.rename", "Edit", "Modifier"),
    ("api.undo", "Undo", "Annuler la modification"),
    ("api.toggle_active", "Active", "Actif"),
    ("api.active", "Active", "Actif"),
    (
        "api.registered_label",
        "Registered through the API on {at}",
        "Enregistré par l'API le {at}",
    ),
    ("target.credential", "API key", "Clé d'API"),
    ("target.operator", "Operator", "Opérateur"),
    ("target.group", "Group", "Groupe"),
    ("target.machine", "Machine", "Machine"),
    ("target.audit", "Journal", "Journal"),
    ("target.scope", "Scope", "Portée"),
    ("target.account", "Account", "Compte"),
    ("action.credential.imported", "Key imported", "Clé importée"),
    (
        "import.bad_sha256",
        "The hash is not 64 hexadecimal characters (SHA-256).",
        "Le hachage n'est pas fait de 64 caractères hexadécimaux (SHA-256).",
    ),
    (
        "import.bad_django",
        "The hash is not sha512$$ followed by 128 hexadecimal characters.",
        "Le hachage n'est pas sha512$$ suivi de 128 caractères hexadécimaux.",
    ),
    (
        "import.bad_argon2",
        "The hash is not an argon2 PHC string ($argon2id$…) with m at most 65536, t at most 10 and p at most 4.",
        "Le hachage n'est pas une chaîne PHC argon2 ($argon2id$…) avec m au plus 65536, t au plus 10 et p au plus 4.",
    ),
    (
        "import.bad_bcrypt",
        "The hash is not a bcrypt string ($2b$…, 60 characters) of cost 4 to 14.",
        "Le hachage n'est pas une chaîne bcrypt ($2b$…, 60 caractères) de coût 4 à 14.",
    ),
    (
        "import.unknown_format",
        "Give hash_format: sha256, django_sha512, argon2 or bcrypt.",
        "Indiquez hash_format : sha256, django_sha512, argon2 ou bcrypt.",
    ),
    (
        "import.bad_time",
        "A time is not RFC 3339 (2026-01-31T09:00:00Z), or created_at is in the future.",
        "Une date n'est pas au format RFC 3339 (2026-01-31T09:00:00Z), ou created_at est dans le futur.",
    ),
    (
        "import.bad_prefix",
        "The prefix is at most 64 letters, digits, - or _.",
        "Le préfixe compte au plus 64 lettres, chiffres, - ou _.",
    ),
    (
        "import.bad_secret",
        "The secret is not a token Keyward can take: 8 to 512 visible characters, not a Keyward token.",
        "Le secret n'est pas un jeton que Keyward peut reprendre : 8 à 512 caractères visibles, pas un jeton Keyward.",
    ),
    (
        "import.secret_or_hash",
        "Give either the secret or its hash, not both.",
        "Indiquez soit le secret, soit son hachage, pas les deux.",
    ),
    (
        "import.prefix_required",
        "A salted hash (django_sha512, argon2, bcrypt) needs the token's prefix: the part before its first dot, by which the key is found.",
        "Un hachage salé (django_sha512, argon2, bcrypt) a besoin du préfixe du jeton : la partie avant son premier point, qui permet de trouver la clé.",
    ),
    (
        "import.bad_row",
        "This entry cannot be read: unknown or missing fields (owner and label are required).",
        "Cette entrée est illisible : champs inconnus ou manquants (owner et label sont obligatoires).",
    ),
    (
        "import.bad_json",
        "The file is not a JSON array of objects.",
        "Le fichier n'est pas un tableau JSON d'objets.",
    ),
    (
        "import.too_many",
        "At most 10,000 keys per import.",
        "Au plus 10 000 clés par import.",
    ),
    (
        "import.empty",
        "There is no key to import.",
        "Il n'y a aucune clé à importer.",
    ),
    (
        "import.unknown_owner",
        "No operator with this email and no machine with this name (machine:Name) whose keys you may manage.",
        "Aucun opérateur avec cette adresse ni aucune machine de ce nom (machine:Nom) dont vous pouvez gérer les clés.",
    ),
    (
        "import.scopes_forbidden",
        "You may not give these scopes (or they are not in the catalog).",
        "Vous ne pouvez pas donner ces portées (ou elles ne sont pas au catalogue).",
    ),
    (
        "import.duplicate_token",
        "Another key (or another line) already has this token.",
        "Une autre clé (ou une autre ligne) a déjà ce jeton.",
    ),
    (
        "mail.credential_leak_reported_deleted",
        "Somebody reported the key {label} ({id}) of {owner} as leaked — found at: {found_at} (reported from {address}). As this account's settings ask, it was deleted at once: every program using it is refused from now on. Make a new key for the programs that used it.",
        "Quelqu'un a signalé la clé {label} ({id}) de {owner} comme divulguée — trouvée à : {found_at} (signalement depuis {address}). Comme le demandent les paramètres de ce compte, elle a été supprimée aussitôt : tout programme qui l'utilise est refusé désormais. Créez une nouvelle clé pour les programmes qui l'utilisaient.",
    ),
    (
        "action.account.leak_action_changed",
        "Leaked keys setting changed",
        "Réglage des clés divulguées modifié",
    ),
    (
        "settings.leaks",
        "Keys reported leaked",
        "Clés signalées comme divulguées",
    ),
    (
        "settings.leaks_legend",
        "When a working key is reported leaked (POST /api/v1/leaks/report, GitHub's secret scanning)",
        "Quand une clé valide est signalée comme divulguée (POST /api/v1/leaks/report, l'analyse des secrets de GitHub)",
    ),
    (
        "settings.leaks_deactivate",
        "Deactivate it (its owner can roll it and turn it back on)",
        "La désactiver (son propriétaire peut la renouveler et la réactiver)",
    ),
    (
        "settings.leaks_delete",
        "Delete it (nothing of it can be used again)",
        "La supprimer (plus rien d'elle ne peut resservir)",
    ),
    (
        "settings.leaks_saved",
        "Leaked keys setting saved.",
        "Réglage des clés divulguées enregistré.",
    ),
    (
        "target.webhook",
        "Webhook endpoint",
        "Point de terminaison webhook",
    ),
    ("webhooks.title", "Webhooks", "Webhooks"),
    (
        "webhooks.intro",
        "Tell other systems when keys, operators and machines change: Keyward POSTs a signed JSON event (Standard Webhooks) to each endpoint you add, retries for a day when it fails, and turns off an endpoint that keeps failing.",
        "Prévenez d'autres systèmes quand des clés, des opérateurs ou des machines changent : Keyward envoie (POST) un événement JSON signé (Standard Webhooks) à chaque point de terminaison ajouté, réessaie pendant une journée en cas d'échec et désactive un point de terminaison qui échoue sans cesse.",
    ),
    ("webhooks.endpoints", "Endpoints", "Points de terminaison"),
    (
        "webhooks.empty",
        "No endpoint yet.",
        "Aucun point de terminaison pour l'instant.",
    ),
    ("webhooks.url", "URL", "URL"),
    ("webhooks.description", "Description", "Description"),
    ("webhooks.status", "Status", "État"),
    ("webhooks.active", "Active", "Actif"),
    (
        "webhooks.failing",
        "Failing (retrying)",
        "En échec (nouvelles tentatives)",
    ),
    (
        "webhooks.disabled_by_keyward",
        "Turned off by Keyward after a day of failures",
        "Désactivé par Keyward après une journée d'échecs",
    ),
    ("webhooks.off", "Turned off", "Désactivé"),
    (
        "webhooks.add",
        "Add endpoint",
        "Ajouter un point de terminaison",
    ),
    (
        "webhooks.url_help",
        "An https address that answers 2xx within 10 seconds. Redirects are not followed. Private and loopback addresses are refused unless KEYWARD_WEBHOOK_PRIVATE_ADDRESSES is on.",
        "Une adresse https qui répond 2xx en moins de 10 secondes. Les redirections ne sont pas suivies. Les adresses privées et locales sont refusées sauf si KEYWARD_WEBHOOK_PRIVATE_ADDRESSES est activé.",
    ),
    ("webhooks.events", "Events", "Événements"),
    ("webhooks.event", "Event", "Événement"),
    (
        "webhooks.endpoint",
        "Webhook endpoint",
        "Point de terminaison webhook",
    ),
    ("webhooks.secret", "Signing secret", "Secret de signature"),
    (
        "webhooks.secret_once",
        "Copy it now: it is shown this once. If you lose it, make a new one.",
        "Copiez-le maintenant : il n'est affiché qu'une fois. Si vous le perdez, créez-en un nouveau.",
    ),
    (
        "webhooks.secret_how",
        "Check each request with it: the webhook-signature header is v1, and the base64 HMAC-SHA256 of webhook-id, webhook-timestamp and the body joined by dots, under the secret's bytes (any Standard Webhooks library does this). Refuse a timestamp more than five minutes off, and a webhook-id you have already seen.",
        "Vérifiez chaque requête avec lui : l'en-tête webhook-signature vaut v1, suivi du HMAC-SHA256 en base64 de webhook-id, webhook-timestamp et du corps joints par des points, sous les octets du secret (toute bibliothèque Standard Webhooks le fait). Refusez un horodatage décalé de plus de cinq minutes et un webhook-id déjà vu.",
    ),
    (
        "webhooks.failing_since",
        "Failing since",
        "En échec depuis le",
    ),
    (
        "webhooks.disabled_at",
        "Turned off by Keyward after a day of failures, on",
        "Désactivé par Keyward après une journée d'échecs, le",
    ),
    (
        "webhooks.send_test",
        "Send test event",
        "Envoyer un événement de test",
    ),
    ("webhooks.turn_off", "Turn off", "Désactiver"),
    ("webhooks.turn_on", "Turn on", "Activer"),
    (
        "webhooks.new_secret",
        "New signing secret",
        "Nouveau secret de signature",
    ),
    (
        "webhooks.new_secret_help",
        "A new secret replaces the old one at once: deliveries from then on are signed with the new one only.",
        "Un nouveau secret remplace aussitôt l'ancien : les envois suivants ne sont signés qu'avec le nouveau.",
    ),
    (
        "webhooks.delete",
        "Delete endpoint",
        "Supprimer le point de terminaison",
    ),
    ("webhooks.log", "Deliveries", "Envois"),
    (
        "webhooks.log_empty",
        "Nothing sent yet.",
        "Rien n'a encore été envoyé.",
    ),
    ("webhooks.state", "State", "État"),
    ("webhooks.answer", "Answer", "Réponse"),
    ("webhooks.redeliver", "Send again", "Renvoyer"),
    ("webhooks.state_queued", "Queued", "En attente"),
    (
        "webhooks.state_retrying",
        "Failed, will retry",
        "Échec, nouvelle tentative prévue",
    ),
    ("webhooks.state_delivered", "Delivered", "Remis"),
    (
        "webhooks.state_failed",
        "Failed, given up",
        "Échec, abandonné",
    ),
    (
        "webhooks.test_queued",
        "Test event queued: it is sent within seconds.",
        "Événement de test en file : il part dans quelques secondes.",
    ),
    (
        "webhooks.enabled",
        "Endpoint turned on.",
        "Point de terminaison activé.",
    ),
    (
        "webhooks.disabled",
        "Endpoint turned off: nothing more is sent to it.",
        "Point de terminaison désactivé : plus rien ne lui est envoyé.",
    ),
    (
        "webhooks.deleted",
        "Endpoint deleted.",
        "Point de terminaison supprimé.",
    ),
    (
        "webhooks.redelivery_queued",
        "Delivery queued again, with the same webhook-id.",
        "Envoi remis en file, avec le même webhook-id.",
    ),
    (
        "webhooks.unknown_event",
        "Choose events from the list.",
        "Choisissez les événements dans la liste.",
    ),
    (
        "webhooks.no_events",
        "Choose at least one event.",
        "Choisissez au moins un événement.",
    ),
    (
        "webhooks.url_required",
        "Enter the endpoint's URL.",
        "Saisissez l'URL du point de terminaison.",
    ),
    (
        "webhooks.url_too_long",
        "The URL is too long (2,000 characters at most).",
        "L'URL est trop longue (2 000 caractères au plus).",
    ),
    (
        "webhooks.url_invalid",
        "Enter an absolute http or https URL, without a user name, password or #fragment.",
        "Saisissez une URL http ou https absolue, sans nom d'utilisateur, mot de passe ni #fragment.",
    ),
    (
        "webhooks.url_private",
        "This address is private or local: Keyward does not deliver there unless KEYWARD_WEBHOOK_PRIVATE_ADDRESSES is on.",
        "Cette adresse est privée ou locale : Keyward n'y envoie rien sauf si KEYWARD_WEBHOOK_PRIVATE_ADDRESSES est activé.",
    ),
    (
        "webhooks.event.credential.created",
        "Key created",
        "Clé créée",
    ),
    (
        "webhooks.event.credential.rolled",
        "Key rolled",
        "Clé renouvelée",
    ),
    (
        "webhooks.event.credential.expiring",
        "Key expires within 7 days",
        "Clé expirant dans les 7 jours",
    ),
    (
        "webhooks.event.credential.expired",
        "Key expired",
        "Clé expirée",
    ),
    (
        "webhooks.event.credential.deactivated",
        "Key deactivated",
        "Clé désactivée",
    ),
    (
        "webhooks.event.credential.reactivated",
        "Key reactivated",
        "Clé réactivée",
    ),
    (
        "webhooks.event.credential.deleted",
        "Key deleted",
        "Clé supprimée",
    ),
    (
        "webhooks.event.credential.leaked",
        "Key reported leaked",
        "Clé signalée comme divulguée",
    ),
    (
        "webhooks.event.credential.canary_used",
        "Canary key used",
        "Clé leurre utilisée",
    ),
    (
        "webhooks.event.credential.new_source",
        "Key used from a new network",
        "Clé utilisée depuis un nouveau réseau",
    ),
    (
        "webhooks.event.operator.created",
        "Operator created",
        "Opérateur créé",
    ),
    (
        "webhooks.event.operator.deleted",
        "Operator deleted",
        "Opérateur supprimé",
    ),
    (
        "webhooks.event.machine.created",
        "Machine created",
        "Machine créée",
    ),
    (
        "webhooks.event.machine.deleted",
        "Machine deleted",
        "Machine supprimée",
    ),
    (
        "action.credential.expiring",
        "Key expiring soon (owner told)",
        "Clé bientôt expirée (propriétaire prévenu)",
    ),
    ("action.credential.expired", "Key expired", "Clé expirée"),
    (
        "action.webhook.created",
        "Webhook endpoint added",
        "Point de terminaison webhook ajouté",
    ),
    (
        "action.webhook.updated",
        "Webhook endpoint changed",
        "Point de terminaison webhook modifié",
    ),
    (
        "action.webhook.deleted",
        "Webhook endpoint deleted",
        "Point de terminaison webhook supprimé",
    ),
    (
        "action.webhook.disabled",
        "Webhook endpoint turned off after failures",
        "Point de terminaison webhook désactivé après des échecs",
    ),
    (
        "mail.webhook_disabled_subject",
        "Webhook endpoint turned off: {url}",
        "Point de terminaison webhook désactivé : {url}",
    ),
    (
        "mail.webhook_disabled",
        "Every delivery to the webhook endpoint {url} has failed since {since}, so Keyward turned it off: nothing more is sent to it. Fix the receiver, then turn the endpoint on again under Settings › Webhooks; the deliveries log says what it answered.",
        "Tous les envois au point de terminaison webhook {url} échouent depuis {since} : Keyward l'a donc désactivé et ne lui envoie plus rien. Réparez le récepteur, puis réactivez le point de terminaison dans Paramètres › Webhooks ; le journal des envois indique ce qu'il a répondu.",
    ),
    ("api.inactive", "Inactive", "Inactif"),
    (
        "api.badge_new",
        "New, not saved yet",
        "Nouveau, pas encore enregistré",
    ),
    ("api.badge_deleting", "Will be deleted", "Sera supprimé"),
    (
        "api.badge_renamed",
        "Renamed from",
        "Renommé, ancien libellé :",
    ),
    (
        "api.badge_status",
        "Status will change",
        "Le statut va changer",
    ),
    (
        "api.badge_scopes",
        "Scopes changed from",
        "Portées modifiées, anciennes :",
    ),
    (
        "api.unsaved",
        "You have unsaved changes. They take effect only when you click Save at the bottom of the page.",
        "Vous avez des modifications non enregistrées. Elles ne prennent effet que lorsque vous cliquez sur Enregistrer au bas de la page.",
    ),
    (
        "api.changes_count",
        "Pending changes:",
        "Modifications en attente :",
    ),
    ("api.saved", "Changes saved.", "Modifications enregistrées."),
    (
        "api.discarded",
        "Unsaved changes discarded.",
        "Modifications non enregistrées abandonnées.",
    ),
    (
        "api.nothing_to_save",
        "There is nothing to save.",
        "Il n'y a rien à enregistrer.",
    ),
    (
        "api.conflict_title",
        "Another administrator changed these API accounts",
        "Un autre administrateur a modifié ces comptes API",
    ),
    (
        "api.conflict_intro",
        "Your changes were not saved, and nothing was applied. Since you started editing:",
        "Vos modifications n'ont pas été enregistrées et rien n'a été appliqué. Depuis le début de votre modification :",
    ),
    (
        "api.conflict_refused",
        "Not saved: another administrator saved changes to these API accounts first. Review them below.",
        "Non enregistré : un autre administrateur a enregistré des modifications de ces comptes API avant vous. Consultez-les ci-dessous.",
    ),
    (
        "api.conflict_added",
        "API user added:",
        "Utilisateur d'API ajouté :",
    ),
    (
        "api.conflict_deleted",
        "API user deleted:",
        "Utilisateur d'API supprimé :",
    ),
    (
        "api.conflict_renamed",
        "API user renamed:",
        "Utilisateur d'API renommé :",
    ),
    (
        "api.conflict_activated",
        "API user activated:",
        "Utilisateur d'API activé :",
    ),
    (
        "api.conflict_scopes",
        "Scopes of an API user changed:",
        "Portées d'un utilisateur d'API modifiées :",
    ),
    (
        "api.conflict_deactivated",
        "API user deactivated:",
        "Utilisateur d'API désactivé :",
    ),
    (
        "api.conflict_other",
        "Their API accounts were changed in another way.",
        "Ses comptes API ont été modifiés d'une autre manière.",
    ),
    (
        "api.rebase",
        "Keep my changes on top of theirs",
        "Conserver mes modifications par-dessus les leurs",
    ),
    (
        "api.rebased",
        "Your changes now apply to the latest saved API accounts. Check them, then click Save.",
        "Vos modifications s'appliquent maintenant aux derniers comptes API enregistrés. Vérifiez-les, puis cliquez sur Enregistrer.",
    ),
    (
        "api.discard",
        "Discard my changes",
        "Abandonner mes modifications",
    ),
    (
        "api.wizard_title",
        "Add API user",
        "Ajouter un utilisateur d'API",
    ),
    (
        "api.wizard_intro",
        "Step 1 of 2: give the API account a label that says which program will use it.",
        "Étape 1 sur 2 : donnez au compte API un libellé indiquant quel programme l'utilisera.",
    ),
    (
        "api.wizard_next",
        "Create the password",
        "Créer le mot de passe",
    ),
    (
        "api.reveal_title",
        "Note down the password",
        "Notez le mot de passe",
    ),
    (
        "api.reveal_intro",
        "Step 2 of 2: this is the only time the password is shown. It cannot be retrieved later.",
        "Étape 2 sur 2 : c'est la seule fois que le mot de passe est affiché. Il ne pourra pas être récupéré plus tard.",
    ),
    (
        "api.reveal_staged",
        "The API account works only after you click Save at the bottom of the page.",
        "Le compte API ne fonctionnera qu'après avoir cliqué sur Enregistrer au bas de la page.",
    ),
    ("api.roll", "Roll", "Renouveler"),
    (
        "key.roll_on_tab",
        "Roll it on the API management tab",
        "Le renouveler dans l'onglet Gestion des API",
    ),
    (
        "api.roll_title",
        "Roll: a new password for this API user",
        "Renouveler : un nouveau mot de passe pour cet utilisateur d'API",
    ),
    (
        "api.roll_staged_help",
        "Staged like the other changes: the new password is made when you click Save, and shown once then.",
        "Préparé comme les autres modifications : le nouveau mot de passe est créé quand vous cliquez sur Enregistrer, et affiché une seule fois à ce moment.",
    ),
    (
        "api.roll_stage",
        "Roll on Save",
        "Renouveler à l'enregistrement",
    ),
    (
        "api.badge_roll",
        "New password on Save; old one accepted for",
        "Nouveau mot de passe à l'enregistrement ; l'ancien accepté pendant",
    ),
    (
        "api.roll_too_many",
        "At most 5 keys can be rolled in one Save: save these first, then roll the next ones.",
        "Au plus 5 clés peuvent être renouvelées en un enregistrement : enregistrez celles-ci, puis renouvelez les suivantes.",
    ),
    (
        "api.roll_new_key",
        "This API user is not saved yet: it has no password to roll.",
        "Cet utilisateur d'API n'est pas encore enregistré : il n'a pas de mot de passe à renouveler.",
    ),
    (
        "api.conflict_rolled",
        "Rolled meanwhile (a new password):",
        "Renouvelé entre-temps (nouveau mot de passe) :",
    ),
    (
        "api.reveal_rolled_done",
        "I have noted the new passwords",
        "J'ai noté les nouveaux mots de passe",
    ),
    (
        "api.reveal_rolled_title",
        "Note down the new passwords",
        "Notez les nouveaux mots de passe",
    ),
    (
        "api.reveal_rolled_intro",
        "Saved. This is the only time the new passwords are shown. They cannot be retrieved later.",
        "Enregistré. C'est la seule fois que les nouveaux mots de passe sont affichés. Ils ne pourront pas être récupérés plus tard.",
    ),
    (
        "api.reveal_rolled",
        "Each key's page shows until when its old password is still accepted, and who still uses it.",
        "La page de chaque clé indique jusqu'à quand son ancien mot de passe est encore accepté, et qui l'utilise encore.",
    ),
    (
        "api.reveal_done",
        "I have noted the password",
        "J'ai noté le mot de passe",
    ),
    ("api.token", "Bearer token", "Jeton Bearer"),
    (
        "api.rename_title",
        "Edit API user",
        "Modifier l'utilisateur d'API",
    ),
    (
        "api.staleness",
        "Last used is recorded when a program uses the API account.",
        "La dernière utilisation est enregistrée lorsqu'un programme utilise le compte API.",
    ),
    ("docs.title", "API reference", "Référence de l'API"),
    (
        "docs.intro",
        "Programs call these endpoints with an API account or API key. The same reference is available as an OpenAPI 3 document.",
        "Les programmes appellent ces points d'accès avec un compte API ou une clé API. La même référence existe sous forme de document OpenAPI 3.",
    ),
    (
        "docs.base_url",
        "API endpoint URL",
        "URL du point de terminaison de l'API",
    ),
    ("docs.auth", "Authentication", "Authentification"),
    (
        "docs.auth_text",
        "HTTP Basic (username = credential id, password = secret), or Authorization: Bearer kwd_<id>_<secret><checksum>, the token shown with a new key.",
        "HTTP Basic (nom d'utilisateur = identifiant, mot de passe = secret), ou Authorization: Bearer kwd_<id>_<secret><somme de contrôle>, le jeton affiché avec une nouvelle clé.",
    ),
    ("docs.endpoints", "Endpoints", "Points d'accès"),
    ("docs.parameters", "Parameters", "Paramètres"),
    ("docs.in", "In", "Emplacement"),
    ("docs.in_path", "path", "chemin"),
    ("docs.in_query", "query", "requête"),
    ("docs.in_header", "header", "en-tête"),
    ("docs.or", " or ", " ou "),
    ("docs.array_of", "array of {type}", "liste de {type}"),
    ("docs.any", "any", "tout type"),
    ("docs.optional", "optional", "facultatif"),
    ("docs.description", "Description", "Description"),
    ("docs.body", "Request body:", "Corps de la requête :"),
    ("docs.responses", "Responses", "Réponses"),
    ("docs.status", "Status", "Statut"),
    ("docs.body_type", "Body", "Corps"),
    ("docs.schemas", "Schemas", "Schémas"),
    ("docs.field", "Field", "Champ"),
    ("docs.type", "Type", "Type"),
    ("nav.api_docs", "API reference", "Référence de l'API"),
    (
        "error.bad_limit",
        "The limit must be a number from 1 to 1000.",
        "La limite doit être un nombre de 1 à 1000.",
    ),
    (
        "error.bad_cursor",
        "The value of after must be the next of a previous page.",
        "La valeur de after doit être le next d'une page précédente.",
    ),
    (
        "api.own_expiry",
        "A key may bring its own expiry forward, never push it back or remove it; use another credential of its owner, or the console.",
        "Une clé peut avancer sa propre expiration, jamais la repousser ni la supprimer ; utilisez un autre identifiant de son propriétaire, ou la console.",
    ),
    (
        "error.conflict",
        "Somebody made the same change at the same moment: nothing was changed by this one. Reload the page and try again.",
        "Quelqu'un a fait la même modification au même moment : celle-ci n'a rien changé. Rechargez la page et réessayez.",
    ),
    (
        "error.bad_owner",
        "The owner must be written operator:ID or machine:ID.",
        "Le propriétaire doit s'écrire operator:ID ou machine:ID.",
    ),
    ("secret.show", "Show", "Afficher"),
    ("secret.hide", "Hide", "Masquer"),
    ("secret.copy", "Copy", "Copier"),
    ("secret.copied", "Copied", "Copié"),
    (
        "secret.confirm_close",
        "Have you copied it? It cannot be shown again.",
        "L'avez-vous copié ? Il ne pourra plus être affiché.",
    ),
    (
        "keys.bidi_warning",
        "contains direction controls",
        "contient des caractères de direction",
    ),
    (
        "error.title",
        "Something went wrong",
        "Une erreur s'est produite",
    ),
    (
        "error.not_found",
        "This page or item does not exist, or you may not see it.",
        "Cette page ou cet élément n'existe pas, ou vous n'avez pas le droit de le voir.",
    ),
    (
        "error.forbidden",
        "You do not have the permission this needs:",
        "Vous n'avez pas l'autorisation requise :",
    ),
    (
        "error.forbidden_person",
        "You may act on an operator only if you hold every permission they hold, and they hold one you do not:",
        "Vous ne pouvez agir sur un opérateur que si vous détenez toutes ses autorisations, et il en détient une que vous n'avez pas :",
    ),
    (
        "error.forbidden_scope",
        "The key this call came with was not given the scope it needs:",
        "La clé utilisée pour cet appel n'a pas reçu la portée requise :",
    ),
    (
        "scope.credentials_read",
        "keyward:credentials:read — read keys through Keyward's API",
        "keyward:credentials:read — lire des clés par l'API de Keyward",
    ),
    (
        "scope.credentials_write",
        "keyward:credentials:write — create, change, roll and delete keys through Keyward's API",
        "keyward:credentials:write — créer, modifier, renouveler et supprimer des clés par l'API de Keyward",
    ),
    (
        "scope.machines_read",
        "keyward:machines:read — read machines through Keyward's API",
        "keyward:machines:read — lire les machines par l'API de Keyward",
    ),
    (
        "scope.machines_write",
        "keyward:machines:write — create, change and delete machines through Keyward's API",
        "keyward:machines:write — créer, modifier et supprimer des machines par l'API de Keyward",
    ),
    (
        "scope.operators_read",
        "keyward:operators:read — list operators through Keyward's API",
        "keyward:operators:read — lister les opérateurs par l'API de Keyward",
    ),
    (
        "scope.verify",
        "keyward:verify — check other keys (/api/v1/verify)",
        "keyward:verify — vérifier d'autres clés (/api/v1/verify)",
    ),
    (
        "scope.name_empty",
        "A scope needs a name.",
        "Une portée doit avoir un nom.",
    ),
    (
        "scope.name_too_long",
        "A scope name has at most 64 characters.",
        "Un nom de portée comporte au plus 64 caractères.",
    ),
    (
        "scope.name_invalid",
        "A scope name is lower-case letters, digits, _ . and -, in parts joined by a colon, such as billing:read.",
        "Un nom de portée se compose de minuscules, de chiffres, de _ . et -, en parties reliées par deux-points, par exemple billing:read.",
    ),
    (
        "scope.name_reserved",
        "Names that start with keyward: are Keyward's own scopes.",
        "Les noms commençant par keyward: sont les portées de Keyward.",
    ),
    (
        "scope.too_many",
        "A key carries at most 50 scopes.",
        "Une clé porte au plus 50 portées.",
    ),
    (
        "keys.scopes_field",
        "Scopes (optional, separated by spaces)",
        "Portées (facultatif, séparées par des espaces)",
    ),
    (
        "keys.scopes_help",
        "What the key is for. Keyward's own API needs keyward:credentials:read, keyward:credentials:write, keyward:machines:read, keyward:machines:write, keyward:operators:read or keyward:verify; other names come from the account's scope catalog (Settings). Without any, the key calls no part of Keyward's API.",
        "Ce à quoi sert la clé. L'API de Keyward demande keyward:credentials:read, keyward:credentials:write, keyward:machines:read, keyward:machines:write, keyward:operators:read ou keyward:verify ; les autres noms viennent du catalogue de portées du compte (Paramètres). Sans aucune, la clé n'appelle aucune partie de l'API de Keyward.",
    ),
    ("scopes.title", "Scopes", "Portées"),
    (
        "scopes.intro",
        "The names keys may carry to say what they are for, such as billing:read. Services read them from /api/v1/verify and /auth/forward, and a route can require one (/auth/forward?scope=billing:read).",
        "Les noms que les clés peuvent porter pour dire à quoi elles servent, par exemple billing:read. Les services les lisent dans /api/v1/verify et /auth/forward, et une route peut en exiger une (/auth/forward?scope=billing:read).",
    ),
    (
        "scopes.catalog",
        "The account's catalog",
        "Le catalogue du compte",
    ),
    (
        "scopes.empty",
        "No scope yet: add the first one below.",
        "Aucune portée pour l'instant : ajoutez la première ci-dessous.",
    ),
    ("scopes.name", "Name", "Nom"),
    ("scopes.description", "Description", "Description"),
    ("scopes.keys", "Keys carrying it", "Clés qui la portent"),
    ("scopes.delete", "Remove", "Retirer"),
    ("scopes.add", "Add a scope", "Ajouter une portée"),
    (
        "scopes.open",
        "Anyone may give it",
        "Tout le monde peut la donner",
    ),
    (
        "scopes.open_help",
        "Ticked: any operator may give it to keys they manage. Otherwise only operators with Settings / Write may: a scope is access to a service, and nobody should give themselves that.",
        "Cochée : tout opérateur peut la donner aux clés qu'il gère. Sinon seuls les opérateurs ayant Paramètres / Écriture le peuvent : une portée est un accès à un service, que personne ne devrait se donner soi-même.",
    ),
    (
        "scopes.keyward",
        "Keyward's own scopes",
        "Les portées de Keyward",
    ),
    (
        "scopes.keyward_intro",
        "Keyward's API asks for these; a key has none of them unless given. They narrow a key and never widen its owner, and a person gives only those their permissions allow.",
        "L'API de Keyward les demande ; une clé n'en a aucune sauf si on la lui donne. Elles restreignent une clé sans jamais élargir son propriétaire, et une personne ne donne que celles que ses autorisations permettent.",
    ),
    ("scopes.added", "Scope added.", "Portée ajoutée."),
    ("scopes.saved", "Scope saved.", "Portée enregistrée."),
    ("scopes.deleted", "Scope removed.", "Portée retirée."),
    (
        "api.roll_broader",
        "A key rolls only keys that may do no more than it may (scopes, rate limit, addresses, expiry): whoever rolls a key gets its new secret.",
        "Une clé ne renouvelle que des clés qui ne peuvent pas plus qu'elle (portées, limite de débit, adresses, expiration) : qui renouvelle une clé obtient son nouveau secret.",
    ),
    (
        "api.rate_limit_looser",
        "A key gives no key a looser rate limit than the one it is under",
        "Une clé ne donne à aucune clé une limite de débit plus large que la sienne",
    ),
    (
        "api.own_rate_limit",
        "A credential may tighten its own rate limit, never loosen or remove it.",
        "Un identifiant peut resserrer sa propre limite de débit, jamais l'élargir ni la retirer.",
    ),
    (
        "error.key_rate_limited",
        "This key has used its rate limit for now: try again when Retry-After says.",
        "Cette clé a épuisé sa limite de débit pour l'instant : réessayez après le délai indiqué par Retry-After.",
    ),
    ("rate.per_second", "per second", "par seconde"),
    ("rate.per_minute", "per minute", "par minute"),
    ("rate.per_hour", "per hour", "par heure"),
    (
        "rate.out_of_range",
        "A rate limit allows 1 to 1,000,000 uses per window.",
        "Une limite de débit permet de 1 à 1 000 000 utilisations par période.",
    ),
    ("key.scopes", "Scopes", "Portées"),
    ("key.no_scopes", "None", "Aucune"),
    ("key.rate_limit", "Rate limit", "Limite de débit"),
    (
        "key.account_default",
        "The account's default",
        "Celle du compte par défaut",
    ),
    (
        "key.limits",
        "What the key may do",
        "Ce que la clé peut faire",
    ),
    ("key.rate_requests", "Uses", "Utilisations"),
    ("key.rate_per", "Per", "Par"),
    (
        "key.rate_help",
        "Counted in fixed windows (a minute starts on the minute); past it the key is refused with 429 and Retry-After until the window ends. Empty: the account's default applies.",
        "Comptées par périodes fixes (une minute commence à la minute) ; au-delà, la clé est refusée avec 429 et Retry-After jusqu'à la fin de la période. Vide : la limite par défaut du compte s'applique.",
    ),
    (
        "settings.rate_default",
        "Default rate limit of keys",
        "Limite de débit par défaut des clés",
    ),
    (
        "settings.rate_default_legend",
        "Every key without a limit of its own",
        "Toute clé sans limite propre",
    ),
    (
        "settings.rate_default_help",
        "Empty: keys without their own limit have none. Every process on the same database counts together.",
        "Vide : les clés sans limite propre n'en ont aucune. Tous les processus d'une même base comptent ensemble.",
    ),
    (
        "settings.rate_saved",
        "Default rate limit saved.",
        "Limite de débit par défaut enregistrée.",
    ),
    ("usage.title", "Usage", "Utilisation"),
    (
        "usage.last_day",
        "The last 24 hours",
        "Les dernières 24 heures",
    ),
    (
        "usage.last_month",
        "The last 30 days",
        "Les 30 derniers jours",
    ),
    ("usage.uses", "uses", "utilisations"),
    ("usage.refusals", "refused", "refus"),
    ("usage.table", "The numbers", "Les chiffres"),
    ("usage.when", "When (UTC)", "Quand (UTC)"),
    ("usage.why", "Why refused", "Motif des refus"),
    ("usage.ok", "used", "utilisée"),
    ("usage.wrong_secret", "wrong secret", "mauvais secret"),
    ("usage.inactive", "inactive", "inactive"),
    ("usage.expired", "expired", "expirée"),
    ("usage.scope", "missing scope", "portée manquante"),
    ("usage.rate_limited", "rate limit", "limite de débit"),
    (
        "usage.address",
        "address not allowed",
        "adresse non autorisée",
    ),
    (
        "usage.note",
        "Counted per hour (UTC) and written every {seconds} s, so the last uses may not show yet.",
        "Comptées par heure (UTC) et écrites toutes les {seconds} s : les dernières utilisations peuvent ne pas encore apparaître.",
    ),
    (
        "sources.title",
        "Where it is used from",
        "D'où elle est utilisée",
    ),
    (
        "sources.none",
        "Not used yet (or not written yet).",
        "Pas encore utilisée (ou pas encore écrit).",
    ),
    ("sources.address", "Address", "Adresse"),
    ("sources.user_agent", "User agent", "Agent utilisateur"),
    ("sources.no_user_agent", "none sent", "aucun envoyé"),
    ("sources.secret", "Secret", "Secret"),
    ("sources.first_seen", "First seen", "Vue la première fois"),
    ("sources.last_seen", "Last seen", "Vue la dernière fois"),
    ("sources.uses", "Uses", "Utilisations"),
    ("sources.current", "current", "actuel"),
    (
        "sources.previous",
        "old, since the roll",
        "ancien, depuis le renouvellement",
    ),
    ("sources.retired", "earlier", "antérieur"),
    (
        "sources.note",
        "Each client address and user agent, per secret, the 50 most recently seen; written every {seconds} s.",
        "Chaque adresse de client et agent utilisateur, par secret, les 50 plus récents ; écrit toutes les {seconds} s.",
    ),
    (
        "key.old_uses",
        "Uses of the old secret since the roll",
        "Utilisations de l'ancien secret depuis le renouvellement",
    ),
    ("key.old_uses_from", "from", "depuis"),
    (
        "key.new_uses",
        "Uses of the new secret",
        "Utilisations du nouveau secret",
    ),
    (
        "usage.all_keys",
        "Usage of every key",
        "Utilisation de toutes les clés",
    ),
    (
        "usage.together",
        "Every key together",
        "Toutes les clés ensemble",
    ),
    ("usage.per_key", "Key by key", "Clé par clé"),
    (
        "usage.no_keys",
        "No keys yet.",
        "Aucune clé pour l'instant.",
    ),
    ("usage.col_day_ok", "Uses, 24 h", "Utilisations, 24 h"),
    ("usage.col_day_refused", "Refused, 24 h", "Refus, 24 h"),
    (
        "usage.col_month_ok",
        "Uses, 30 days",
        "Utilisations, 30 jours",
    ),
    (
        "usage.col_month_refused",
        "Refused, 30 days",
        "Refus, 30 jours",
    ),
    (
        "usage.csv",
        "Download every hour of the last 30 days (CSV)",
        "Télécharger chaque heure des 30 derniers jours (CSV)",
    ),
    (
        "scope.taken",
        "The catalog has a scope of that name already.",
        "Le catalogue contient déjà une portée de ce nom.",
    ),
    (
        "scope.in_use",
        "Keys still carry this scope: take it off them first, then remove it from the catalog.",
        "Des clés portent encore cette portée : retirez-la d'abord de ces clés, puis du catalogue.",
    ),
    (
        "scope.unknown",
        "This scope is not in the account's catalog.",
        "Cette portée ne figure pas au catalogue du compte.",
    ),
    (
        "scope.beyond_own",
        "A key gives no key a scope it does not carry itself.",
        "Une clé ne donne à aucune clé une portée qu'elle ne porte pas elle-même.",
    ),
    (
        "error.forbidden_grant",
        "You may give only permissions you hold yourself, and this would give one you do not:",
        "Vous ne pouvez donner que des autorisations que vous détenez, et ceci en donnerait une que vous n'avez pas :",
    ),
    (
        "perm.administrator",
        "Membership of the Administrators group",
        "Appartenance au groupe Administrateurs",
    ),
    (
        "error.csrf",
        "This form has expired or did not come from Keyward. Nothing was changed. Go back, reload the page and try again.",
        "Ce formulaire a expiré ou ne provient pas de Keyward. Rien n'a été modifié. Revenez en arrière, rechargez la page et réessayez.",
    ),
    (
        "error.sign_in_required",
        "Please sign in.",
        "Veuillez vous connecter.",
    ),
    (
        "error.setup_required",
        "Keyward needs its first administrator.",
        "Keyward a besoin de son premier administrateur.",
    ),
    (
        "error.invalid_credentials",
        "The credentials are invalid.",
        "Les identifiants sont invalides.",
    ),
    (
        "error.payload_too_large",
        "The request is too large.",
        "La requête est trop volumineuse.",
    ),
    (
        "error.method_not_allowed",
        "This address does not take this method; the Allow header lists those it takes.",
        "Cette adresse n'accepte pas cette méthode ; l'en-tête Allow indique celles qu'elle accepte.",
    ),
    (
        "error.unsupported_media_type",
        "The body must be JSON, sent with Content-Type: application/json.",
        "Le corps doit être du JSON, envoyé avec Content-Type: application/json.",
    ),
    (
        "error.unavailable",
        "The database is not answering. Nothing was changed. Try again in a moment.",
        "La base de données ne répond pas. Rien n'a été modifié. Réessayez dans un instant.",
    ),
    (
        "error.internal",
        "An unexpected error occurred. It has been logged. Nothing was half-changed: try again.",
        "Une erreur inattendue s'est produite. Elle a été journalisée. Rien n'a été modifié à moitié : réessayez.",
    ),
    (
        "error.bad_form",
        "The form could not be read. Reload the page and try again.",
        "Le formulaire n'a pas pu être lu. Rechargez la page et réessayez.",
    ),
    (
        "error.allowlist_entry",
        "Each entry must be an IPv4 or IPv6 address or range, such as 192.0.2.7 or 10.0.0.0/8.",
        "Chaque entrée doit être une adresse ou une plage IPv4 ou IPv6, comme 192.0.2.7 ou 10.0.0.0/8.",
    ),
    (
        "error.allowlist_too_long",
        "An allowlist holds at most 50 entries.",
        "Une liste d'adresses autorisées contient au plus 50 entrées.",
    ),
    (
        "api.own_allowlist",
        "A key cannot change where it may be used from.",
        "Une clé ne peut pas changer d'où elle peut être utilisée.",
    ),
    (
        "api.allowlist_wider",
        "A key cannot make a key usable from where it is not.",
        "Une clé ne peut pas créer une clé utilisable d'où elle-même ne l'est pas.",
    ),
    (
        "error.bad_query",
        "The query string is not valid for this call (a number where one is expected?).",
        "La chaîne de requête n'est pas valide pour cet appel (un nombre là où il en faut un ?).",
    ),
    (
        "error.bad_json",
        "The request body is not valid JSON for this call.",
        "Le corps de la requête n'est pas un JSON valide pour cet appel.",
    ),
    (
        "error.malformed_authorization",
        "The Authorization header is malformed.",
        "L'en-tête Authorization est mal formé.",
    ),
    (
        "error.label_required",
        "Enter a label.",
        "Saisissez un libellé.",
    ),
    (
        "error.label_too_long",
        "The label is too long (100 characters at most).",
        "Le libellé est trop long (100 caractères au maximum).",
    ),
    (
        "error.control_chars",
        "Control characters are not allowed.",
        "Les caractères de contrôle ne sont pas autorisés.",
    ),
    ("error.name_required", "Enter a name.", "Saisissez un nom."),
    (
        "error.name_too_long",
        "The name is too long (100 characters at most).",
        "Le nom est trop long (100 caractères au maximum).",
    ),
    (
        "error.email_invalid",
        "Enter a valid email address.",
        "Saisissez une adresse e-mail valide.",
    ),
    (
        "error.password_too_short",
        "The password must have at least 10 characters.",
        "Le mot de passe doit comporter au moins 10 caractères.",
    ),
    (
        "error.password_too_long",
        "The password is too long (256 characters at most).",
        "Le mot de passe est trop long (256 caractères au maximum).",
    ),
    (
        "error.password_mismatch",
        "The two passwords differ.",
        "Les deux mots de passe sont différents.",
    ),
    (
        "error.unknown_row",
        "This API user is no longer on this operator's list.",
        "Cet utilisateur d'API ne figure plus dans la liste de cet opérateur.",
    ),
    (
        "perm.administrators",
        "Account setup / Operators / Write (Administrators group)",
        "Configuration de compte / Opérateurs / Écriture (groupe Administrateurs)",
    ),
    ("nav.rights", "Rights management", "Gestion des droits"),
    ("nav.machines", "Machines", "Machines"),
    ("perm.area", "Area", "Domaine"),
    ("perm.read", "Read", "Lecture"),
    ("perm.write", "Write", "Écriture"),
    ("perm.area_operators", "Operators", "Opérateurs"),
    ("perm.area_machines", "Machines", "Machines"),
    ("perm.area_audit", "Audit", "Audit"),
    ("perm.area_settings", "Settings", "Paramètres"),
    (
        "perm.operators_read",
        "Account setup / Operators / Read",
        "Configuration de compte / Opérateurs / Lecture",
    ),
    (
        "perm.operators_write",
        "Account setup / Operators / Write",
        "Configuration de compte / Opérateurs / Écriture",
    ),
    (
        "perm.machines_read",
        "Rights management / Machines / Read",
        "Gestion des droits / Machines / Lecture",
    ),
    (
        "perm.machines_write",
        "Rights management / Machines / Write",
        "Gestion des droits / Machines / Écriture",
    ),
    ("perm.audit_read", "Audit / Read", "Audit / Lecture"),
    (
        "perm.settings_write",
        "Settings / Write",
        "Paramètres / Écriture",
    ),
    ("groups.new_name", "New group", "Nouveau groupe"),
    (
        "operators.invite_only",
        "The new operator gets an invitation by email and chooses their password. (Only administrators set a first password, or create administrators.)",
        "Le nouvel opérateur reçoit une invitation par e-mail et choisit son mot de passe. (Seuls les administrateurs fixent un premier mot de passe ou créent des administrateurs.)",
    ),
    (
        "groups.permissions_admins_only",
        "Only administrators change what a group may do.",
        "Seuls les administrateurs modifient ce qu'un groupe peut faire.",
    ),
    ("groups.create", "Create group", "Créer le groupe"),
    ("groups.created", "Group created.", "Groupe créé."),
    ("groups.saved", "Group saved.", "Groupe enregistré."),
    ("groups.deleted", "Group deleted.", "Groupe supprimé."),
    ("groups.rename", "Rename", "Renommer"),
    ("groups.permissions", "Permissions", "Autorisations"),
    (
        "groups.save_permissions",
        "Save permissions",
        "Enregistrer les autorisations",
    ),
    (
        "groups.no_members",
        "No member yet. Add an operator below.",
        "Aucun membre. Ajoutez un opérateur ci-dessous.",
    ),
    (
        "groups.add_member",
        "Add an operator",
        "Ajouter un opérateur",
    ),
    ("groups.add", "Add", "Ajouter"),
    (
        "groups.remove_member",
        "Remove from group",
        "Retirer du groupe",
    ),
    ("groups.delete", "Delete group", "Supprimer le groupe"),
    (
        "groups.delete_question",
        "Delete this group? Its members keep their other groups.",
        "Supprimer ce groupe ? Ses membres conservent leurs autres groupes.",
    ),
    (
        "groups.builtin_note",
        "Administrators is built in: its members may do everything. It cannot be deleted or renamed, and keeps at least one member.",
        "Le groupe Administrateurs est intégré : ses membres peuvent tout faire. Il ne peut être ni supprimé ni renommé et garde au moins un membre.",
    ),
    (
        "groups.name_taken",
        "A group with this name already exists.",
        "Un groupe porte déjà ce nom.",
    ),
    (
        "groups.builtin",
        "The built-in Administrators group cannot be changed this way.",
        "Le groupe intégré Administrateurs ne peut pas être modifié ainsi.",
    ),
    (
        "groups.last_admin",
        "Administrators must keep at least one member.",
        "Le groupe Administrateurs doit garder au moins un membre.",
    ),
    (
        "keys.profile_title",
        "API credentials",
        "Identifiants d'API",
    ),
    (
        "keys.profile_intro",
        "Generate API keys for your programs: each key acts with your own privileges. There is no limit to the number of keys.",
        "Générez des clés d'API pour vos programmes : chaque clé agit avec vos propres privilèges. Le nombre de clés n'est pas limité.",
    ),
    (
        "keys.one_per_application",
        "One key per application is recommended.",
        "Il est recommandé d'utiliser une clé par application.",
    ),
    (
        "keys.api_docs_link",
        "API documentation",
        "Documentation de l'API",
    ),
    ("keys.your_keys", "API keys", "Clés d'API"),
    (
        "common.new_tab",
        "(opens in a new tab)",
        "(s'ouvre dans un nouvel onglet)",
    ),
    ("time.one_minute", "a minute", "une minute"),
    ("time.minutes", "{n} minutes", "{n} minutes"),
    ("time.seconds", "{n} seconds", "{n} secondes"),
    ("key.back_to_list", "Back to the list", "Retour à la liste"),
    ("key.owner", "Owner", "Propriétaire"),
    ("key.created_by", "by", "par"),
    ("key.rotation", "Rotation", "Renouvellement"),
    ("key.rolled", "Last rolled", "Dernier renouvellement"),
    (
        "key.old_until",
        "Old secret accepted until",
        "Ancien secret accepté jusqu'au",
    ),
    (
        "key.old_retired",
        "No longer (retired)",
        "Plus maintenant (retiré)",
    ),
    (
        "key.old_seen",
        "Old secret last used",
        "Dernière utilisation de l'ancien secret",
    ),
    (
        "key.new_seen",
        "New secret last used",
        "Dernière utilisation du nouveau secret",
    ),
    (
        "key.not_since_roll",
        "Not since the roll",
        "Pas depuis le renouvellement",
    ),
    ("key.safe_to_retire", "Safe to retire", "Peut être retiré"),
    (
        "key.old_in_use",
        "Old secret still in use",
        "Ancien secret encore utilisé",
    ),
    (
        "key.retire_now",
        "Retire old secret now",
        "Retirer l'ancien secret maintenant",
    ),
    (
        "key.retired",
        "The old secret is retired: only the new one works now.",
        "L'ancien secret est retiré : seul le nouveau fonctionne désormais.",
    ),
    (
        "key.never_rolled",
        "This key has kept its first secret.",
        "Cette clé a gardé son premier secret.",
    ),
    (
        "key.roll_intro",
        "Rolling gives this key a new secret; its id, label and history stay. Keep the old secret working for a while, so that every program can be moved to the new one before it stops.",
        "Renouveler donne à cette clé un nouveau secret ; son id, son libellé et son historique restent. Gardez l'ancien secret en service un moment, pour passer chaque programme au nouveau avant qu'il cesse.",
    ),
    (
        "key.grace",
        "Old secret keeps working for",
        "L'ancien secret fonctionne encore pendant",
    ),
    (
        "key.grace_none",
        "no time: it stops at once",
        "aucune durée : il cesse aussitôt",
    ),
    ("key.grace_hour", "1 hour", "1 heure"),
    ("key.grace_day", "24 hours", "24 heures"),
    ("key.grace_week", "7 days", "7 jours"),
    (
        "key.roll",
        "Roll: new secret",
        "Renouveler : nouveau secret",
    ),
    ("key.never", "Never", "Jamais"),
    (
        "key.allowed_from",
        "Used only from",
        "Utilisable seulement depuis",
    ),
    ("key.anywhere", "Anywhere", "Partout"),
    (
        "key.allowlist_label",
        "Addresses and ranges, one per line",
        "Adresses et plages, une par ligne",
    ),
    (
        "key.allowlist_help",
        "IPv4 or IPv6, e.g. 192.0.2.7 or 10.0.0.0/8; at most 50. Empty: usable from anywhere. From any other address the key is refused like an invalid one.",
        "IPv4 ou IPv6, par ex. 192.0.2.7 ou 10.0.0.0/8 ; 50 au plus. Vide : utilisable partout. Depuis toute autre adresse, la clé est refusée comme une clé invalide.",
    ),
    (
        "key.notice_new_network",
        "Use from a new network",
        "Utilisation depuis un nouveau réseau",
    ),
    (
        "key.notice_on",
        "Mailed to the owner",
        "Signalée au propriétaire par courriel",
    ),
    ("key.notice_off", "Not told", "Non signalée"),
    (
        "key.notice_field",
        "Mail the owner when this key is used from a new network",
        "Prévenir le propriétaire par courriel quand cette clé est utilisée depuis un nouveau réseau",
    ),
    (
        "key.notice_help",
        "A network is new when the address is outside every /24 (IPv4) or /64 (IPv6) the key was used from; at most one mail an hour. On by default for people's keys, off for machines' (a fleet moves between networks).",
        "Un réseau est nouveau quand l'adresse est hors de tout /24 (IPv4) ou /64 (IPv6) déjà utilisé par la clé ; un courriel par heure au plus. Activé par défaut pour les clés des personnes, désactivé pour celles des machines (une flotte change de réseau).",
    ),
    (
        "key.allowlist_saved",
        "Saved: what the key may do, and from where.",
        "Enregistré : ce que la clé peut faire, et d'où.",
    ),
    (
        "key.roll_window_open",
        "The old secret of the last roll is still accepted: retire it (or wait for its window to end) before rolling again.",
        "L'ancien secret du dernier renouvellement est encore accepté : retirez-le (ou attendez la fin de sa période) avant de renouveler à nouveau.",
    ),
    (
        "key.roll_legacy",
        "This key's secret is stored as it was before keyed hashes: use it once (that upgrades it), then roll it with a grace window — or roll it with none.",
        "Le secret de cette clé est enregistré comme avant les hachages à clé : utilisez-le une fois (cela le met à niveau), puis renouvelez-le avec une période de grâce — ou sans.",
    ),
    (
        "key.nothing_to_extend",
        "This key has no roll window open to extend.",
        "Cette clé n'a pas de période de renouvellement ouverte à prolonger.",
    ),
    (
        "key.extended_already",
        "This roll window was extended already: a window is extended once.",
        "Cette période a déjà été prolongée : une période ne l'est qu'une fois.",
    ),
    (
        "key.extend",
        "Extend the window once",
        "Prolonger la période une fois",
    ),
    ("key.extend_by", "Extend by", "Prolonger de"),
    (
        "key.extended",
        "The old secret's window is extended.",
        "La période de l'ancien secret est prolongée.",
    ),
    (
        "key.nothing_to_retire",
        "This key has no old secret still accepted.",
        "Cette clé n'a pas d'ancien secret encore accepté.",
    ),
    (
        "key.open",
        "Open the page of this key",
        "Ouvrir la page de cette clé",
    ),
    ("keys.expires", "Expires", "Expire le"),
    (
        "keys.search_label",
        "Search by label or id",
        "Rechercher par libellé ou identifiant",
    ),
    ("keys.show_all", "Show all", "Tout afficher"),
    (
        "keys.no_match",
        "No key matches this search.",
        "Aucune clé ne correspond à cette recherche.",
    ),
    ("keys.pages", "Pages of keys", "Pages de clés"),
    ("keys.of", "of", "sur"),
    ("keys.expired", "Expired", "Expirée"),
    (
        "keys.expires_field",
        "Expiry date (optional)",
        "Date d'expiration (facultative)",
    ),
    (
        "keys.expires_help",
        "The key stops working at 00:00 UTC on this day. Leave it empty for a key that does not expire.",
        "La clé cesse de fonctionner à 00:00 UTC ce jour-là. Laissez vide pour une clé sans expiration.",
    ),
    (
        "error.search_too_long",
        "The search is too long (100 characters at most).",
        "La recherche est trop longue (100 caractères au maximum).",
    ),
    (
        "error.expiry_invalid",
        "The expiry date is not a date (YYYY-MM-DD).",
        "La date d'expiration n'est pas une date (AAAA-MM-JJ).",
    ),
    (
        "error.expiry_past",
        "The expiry must be later than now.",
        "L'expiration doit être postérieure à maintenant.",
    ),
    (
        "error.expiry_too_far",
        "The expiry is more than ten years away.",
        "L'expiration est à plus de dix ans.",
    ),
    ("keys.name", "Name", "Nom"),
    (
        "keys.last_ip",
        "IP of the last client",
        "IP du dernier client",
    ),
    ("keys.generate", "Generate API key", "Générer une clé d'API"),
    (
        "keys.generate_title",
        "Generate an API key",
        "Générer une clé d'API",
    ),
    (
        "keys.generate_intro",
        "Name the key after the program that will use it.",
        "Donnez à la clé le nom du programme qui l'utilisera.",
    ),
    ("keys.generate_submit", "Generate", "Générer"),
    (
        "keys.rename",
        "Edit the API key",
        "Modification de la clé d'API",
    ),
    (
        "keys.rename_title",
        "Rename the API key",
        "Renommer la clé d'API",
    ),
    ("keys.revoke", "Revoke the API key", "Révoquer la clé d'API"),
    (
        "keys.revoke_title",
        "Revoke the API key",
        "Révoquer la clé d'API",
    ),
    (
        "keys.revoke_question",
        "Revoke this key? Programs using it are refused at once. This cannot be undone.",
        "Révoquer cette clé ? Les programmes qui l'utilisent sont refusés immédiatement. Cette action est irréversible.",
    ),
    (
        "keys.profile_empty",
        "You have no API key yet. Click Generate API key to create one.",
        "Vous n'avez pas encore de clé d'API. Cliquez sur Générer une clé d'API pour en créer une.",
    ),
    (
        "keys.profile_help",
        "Changes take effect at once. Last use is written in batches, so it can be up to {delay} behind.",
        "Les modifications prennent effet immédiatement. La dernière utilisation est écrite par lots et peut avoir jusqu'à {delay} de retard.",
    ),
    ("keys.secret", "Secret", "Secret"),
    (
        "keys.reveal_title",
        "Your new API key",
        "Votre nouvelle clé d'API",
    ),
    (
        "keys.reveal_intro",
        "This is the only time the key is shown. Copy it now: it cannot be shown again.",
        "C'est la seule fois que la clé est affichée. Copiez-la maintenant : elle ne pourra plus être affichée.",
    ),
    (
        "keys.reveal_now",
        "The key works now.",
        "La clé fonctionne dès maintenant.",
    ),
    ("keys.reveal_done", "Done", "Terminé"),
    ("keys.saved", "Key saved.", "Clé enregistrée."),
    (
        "keys.deleted",
        "Key revoked: it no longer works.",
        "Clé révoquée : elle ne fonctionne plus.",
    ),
    (
        "keys.active_help",
        "An inactive key is refused at once; making it active again restores the same value.",
        "Une clé inactive est refusée immédiatement ; la réactiver rétablit la même valeur.",
    ),
    (
        "machines.intro",
        "Machines are non-human identities (services, CI jobs) that own API keys.",
        "Les machines sont des identités non humaines (services, tâches d'intégration continue) qui possèdent des clés d'API.",
    ),
    ("machines.new", "Create machine", "Créer une machine"),
    (
        "machines.empty",
        "No machine yet. Click Create machine to add one.",
        "Aucune machine. Cliquez sur Créer une machine pour en ajouter une.",
    ),
    ("machines.description", "Description", "Description"),
    (
        "machines.description_too_long",
        "The description is too long (500 characters at most).",
        "La description est trop longue (500 caractères au maximum).",
    ),
    ("machines.active_keys", "Active keys", "Clés actives"),
    ("machines.created", "Machine created.", "Machine créée."),
    ("machines.saved", "Machine saved.", "Machine enregistrée."),
    (
        "machines.deleted",
        "Machine deleted, with its API keys.",
        "Machine supprimée, avec ses clés d'API.",
    ),
    ("machines.edit", "Edit machine", "Modifier la machine"),
    ("machines.delete", "Delete machine", "Supprimer la machine"),
    (
        "machines.delete_question",
        "Delete this machine and all its API keys?",
        "Supprimer cette machine et toutes ses clés d'API ?",
    ),
    (
        "machines.delete_keys_warning",
        "Active API keys that will stop working:",
        "Clés d'API actives qui cesseront de fonctionner :",
    ),
    ("machines.api_keys", "API keys", "Clés API"),
    ("machines.create_key", "Create API key", "Créer une clé API"),
    (
        "machines.create_key_intro",
        "Give the key a label that says where it is used.",
        "Donnez à la clé un libellé indiquant où elle est utilisée.",
    ),
    ("machines.edit_key", "Edit API key", "Modifier la clé API"),
    (
        "machines.delete_key",
        "Delete API key",
        "Supprimer la clé API",
    ),
    (
        "machines.delete_key_question",
        "Delete this API key? Calls with it are refused at once.",
        "Supprimer cette clé API ? Les appels qui l'utilisent sont refusés immédiatement.",
    ),
    (
        "machines.no_keys",
        "No API key associated with this machine",
        "Aucune clé API associée à cette machine",
    ),
    (
        "machines.keys_help",
        "The value of a key is shown once, when it is created. Deactivating a key rejects calls at once; reactivating restores the same value.",
        "La valeur d'une clé n'est affichée qu'une fois, à sa création. Désactiver une clé rejette immédiatement les appels ; la réactiver rétablit la même valeur.",
    ),
    ("machines.reveal_title", "API key created", "Clé API créée"),
    ("nav.audit", "Audit", "Audit"),
    ("nav.settings", "Settings", "Paramètres"),
    (
        "audit.intro",
        "Every change to credentials, operators, groups and machines, every sign-in and, per minute, failed API authentications. Newest first.",
        "Chaque modification des identifiants, opérateurs, groupes et machines, chaque connexion et, par minute, les échecs d'authentification à l'API. Les plus récents d'abord.",
    ),
    ("audit.filter", "Filter the journal", "Filtrer le journal"),
    (
        "audit.filter_too_long",
        "An actor or target filter is at most 254 characters.",
        "Un filtre d'auteur ou de cible fait au plus 254 caractères.",
    ),
    (
        "audit.bad_action",
        "This is not an action the journal records.",
        "Ce n'est pas une action que le journal enregistre.",
    ),
    ("audit.actor", "Actor", "Auteur"),
    ("audit.target", "Target", "Cible"),
    ("audit.action", "Action", "Action"),
    ("audit.any_action", "Any action", "Toutes les actions"),
    ("audit.from", "From", "Du"),
    ("audit.to", "To", "Au"),
    ("audit.apply", "Filter", "Filtrer"),
    ("audit.export", "Export CSV", "Exporter en CSV"),
    ("audit.time", "Time (UTC)", "Heure (UTC)"),
    ("audit.ip", "Address", "Adresse"),
    ("audit.changes", "Before → after", "Avant → après"),
    (
        "audit.none",
        "No event matches.",
        "Aucun événement ne correspond.",
    ),
    ("audit.older", "Older events", "Événements plus anciens"),
    ("audit.recent", "Recent events", "Événements récents"),
    (
        "audit.bad_date",
        "Dates are written YYYY-MM-DD.",
        "Les dates s'écrivent AAAA-MM-JJ.",
    ),
    ("settings.mail", "Outgoing mail", "Courriels sortants"),
    (
        "settings.transport",
        "Mail is sent through:",
        "Les courriels partent par :",
    ),
    (
        "settings.outbox_empty",
        "Every mail has been sent.",
        "Tous les courriels ont été envoyés.",
    ),
    ("settings.recipient", "Recipient", "Destinataire"),
    ("settings.subject", "Subject", "Objet"),
    ("settings.attempts", "Attempts", "Tentatives"),
    ("settings.last_error", "Last error", "Dernière erreur"),
    (
        "settings.next_attempt",
        "Next attempt",
        "Prochaine tentative",
    ),
    (
        "password.forgot_link",
        "Forgotten password?",
        "Mot de passe oublié ?",
    ),
    (
        "password.forgot_title",
        "Forgotten password",
        "Mot de passe oublié",
    ),
    (
        "password.forgot_intro",
        "Enter your email: if it belongs to an operator, a link to choose a new password is sent to it. The link works once, for one hour.",
        "Saisissez votre e-mail : s'il appartient à un opérateur, un lien pour choisir un nouveau mot de passe y est envoyé. Le lien fonctionne une fois, pendant une heure.",
    ),
    ("password.send_link", "Send the link", "Envoyer le lien"),
    (
        "password.reset_sent",
        "If this email belongs to an operator, a link has been sent to it.",
        "Si cet e-mail appartient à un opérateur, un lien lui a été envoyé.",
    ),
    (
        "password.set_title",
        "Choose your password",
        "Choisissez votre mot de passe",
    ),
    (
        "password.set_submit",
        "Save the password",
        "Enregistrer le mot de passe",
    ),
    (
        "password.set_done",
        "Your password is set. Sign in with it.",
        "Votre mot de passe est enregistré. Connectez-vous avec.",
    ),
    (
        "password.link_invalid",
        "This link has expired or has already been used.",
        "Ce lien a expiré ou a déjà été utilisé.",
    ),
    ("notices.title", "Notices by mail", "Avis par e-mail"),
    (
        "notices.intro",
        "Keyward mails you when something happens to your keys. Choose which of these notices you get about what you do yourself; several within a few minutes arrive as one mail.",
        "Keyward vous écrit quand quelque chose arrive à vos clés. Choisissez lesquels de ces avis vous recevez sur ce que vous faites vous-même ; plusieurs en quelques minutes arrivent en un seul e-mail.",
    ),
    ("notices.legend", "Send me a mail when", "M'écrire quand"),
    (
        "notices.key_created",
        "a key of mine is created",
        "une de mes clés est créée",
    ),
    (
        "notices.key_deleted",
        "a key of mine is deleted",
        "une de mes clés est supprimée",
    ),
    (
        "notices.key_deactivated",
        "a key of mine is deactivated",
        "une de mes clés est désactivée",
    ),
    (
        "notices.key_new_network",
        "a key of mine is used from a network it was never used from",
        "une de mes clés est utilisée depuis un réseau d'où elle ne l'avait jamais été",
    ),
    (
        "notices.key_expiring",
        "a key of mine expires within a week",
        "une de mes clés expire dans la semaine",
    ),
    (
        "notices.machine_keys",
        "a machine's key is created, deleted or deactivated (if I may manage machines)",
        "une clé de machine est créée, supprimée ou désactivée (si je peux gérer les machines)",
    ),
    (
        "notices.always",
        "Always sent, whatever you choose: a key registered through the API with your email and password, a new secret given to one of your keys, and any change to your keys made by someone else.",
        "Toujours envoyés, quel que soit votre choix : une clé enregistrée par l'API avec votre e-mail et votre mot de passe, un nouveau secret donné à une de vos clés, et tout changement de vos clés fait par quelqu'un d'autre.",
    ),
    (
        "notices.saved",
        "Your choice of notices is saved.",
        "Votre choix d'avis est enregistré.",
    ),
    ("password.change_title", "Password", "Mot de passe"),
    (
        "password.change_intro",
        "Changing your password signs you out of every other session.",
        "Changer de mot de passe vous déconnecte de toutes vos autres sessions.",
    ),
    (
        "password.current",
        "Current password",
        "Mot de passe actuel",
    ),
    ("password.new", "New password", "Nouveau mot de passe"),
    (
        "password.change_submit",
        "Change the password",
        "Changer le mot de passe",
    ),
    (
        "password.changed",
        "Password changed. Your other sessions are signed out.",
        "Mot de passe changé. Vos autres sessions sont déconnectées.",
    ),
    (
        "password.wrong_current",
        "The current password is wrong.",
        "Le mot de passe actuel est incorrect.",
    ),
    (
        "operators.invited",
        "Invitation sent.",
        "Invitation envoyée.",
    ),
    (
        "operators.saved",
        "Operator saved.",
        "Opérateur enregistré.",
    ),
    (
        "operators.deleted",
        "Operator deleted.",
        "Opérateur supprimé.",
    ),
    ("operators.edit", "Edit operator", "Modifier l'opérateur"),
    (
        "operators.delete",
        "Delete operator",
        "Supprimer l'opérateur",
    ),
    (
        "operators.delete_question",
        "Delete this operator?",
        "Supprimer cet opérateur ?",
    ),
    (
        "operators.has_keys",
        "This operator still has API keys: delete them or hand them over first.",
        "Cet opérateur a encore des clés d'API : supprimez-les ou transférez-les d'abord.",
    ),
    (
        "operators.has_keys_count",
        "API keys of this operator:",
        "Clés d'API de cet opérateur :",
    ),
    (
        "operators.handover_or_delete",
        "Hand them over below, or delete them first on the tab",
        "Transférez-les ci-dessous, ou supprimez-les d'abord dans l'onglet",
    ),
    (
        "operators.hand_to",
        "Hand the keys over to",
        "Transférer les clés à",
    ),
    (
        "operators.hand_over_and_delete",
        "Hand over and delete",
        "Transférer et supprimer",
    ),
    (
        "operators.handover_self",
        "Keys cannot be handed over to the operator being deleted.",
        "Les clés ne peuvent pas être transférées à l'opérateur supprimé.",
    ),
    (
        "operators.not_yourself",
        "You cannot deactivate or delete yourself.",
        "Vous ne pouvez pas vous désactiver ni vous supprimer.",
    ),
    (
        "operators.deactivate_help",
        "A deactivated operator is signed out at once and their API keys stop working until they are reactivated.",
        "Un opérateur désactivé est déconnecté immédiatement et ses clés d'API cessent de fonctionner jusqu'à sa réactivation.",
    ),
    ("operators.how_password", "Password", "Mot de passe"),
    (
        "operators.mode_invite",
        "Send an invitation by email (the link works once, for 72 hours)",
        "Envoyer une invitation par e-mail (le lien fonctionne une fois, pendant 72 heures)",
    ),
    (
        "operators.mode_password",
        "Set an initial password now",
        "Définir maintenant un mot de passe initial",
    ),
    ("mail.greeting", "Hello {name},", "Bonjour {name},"),
    (
        "mail.footer",
        "This message was sent by Keyward, your organisation's API credentials console.",
        "Ce message a été envoyé par Keyward, la console des identifiants d'API de votre organisation.",
    ),
    ("mail.link", "Open the link", "Ouvrir le lien"),
    (
        "mail.email_changed_subject",
        "Your Keyward email address was changed",
        "Votre adresse e-mail Keyward a été modifiée",
    ),
    (
        "mail.email_changed",
        "{actor} changed the email address of your Keyward account from {old} to {new}. Mail for the account now goes there, this is the last one to this address.",
        "{actor} a changé l'adresse e-mail de votre compte Keyward de {old} en {new}. Le courrier du compte y part désormais ; celui-ci est le dernier envoyé à cette adresse.",
    ),
    (
        "mail.password_changed_subject",
        "Your Keyward password was changed",
        "Votre mot de passe Keyward a été modifié",
    ),
    (
        "mail.password_changed",
        "The password of your Keyward account ({email}) was changed, and every other session of yours was signed out.",
        "Le mot de passe de votre compte Keyward ({email}) a été modifié, et toutes vos autres sessions ont été fermées.",
    ),
    (
        "mail.if_not_you",
        "If this wasn't you, tell your administrator right away.",
        "Si ce n'était pas vous, prévenez immédiatement votre administrateur.",
    ),
    (
        "mail.invite_subject",
        "You are invited to Keyward",
        "Vous êtes invité sur Keyward",
    ),
    (
        "mail.invite",
        "{actor} invited you to Keyward with the email {email}. Choose your password with the link below: it works once, for 72 hours.",
        "{actor} vous a invité sur Keyward avec l'e-mail {email}. Choisissez votre mot de passe avec le lien ci-dessous : il fonctionne une fois, pendant 72 heures.",
    ),
    (
        "mail.reset_subject",
        "Reset your Keyward password",
        "Réinitialisez votre mot de passe Keyward",
    ),
    (
        "mail.reset",
        "Someone asked to reset the password of {email}. Choose a new one with the link below: it works once, for one hour. If you did not ask, ignore this message.",
        "Quelqu'un a demandé la réinitialisation du mot de passe de {email}. Choisissez-en un nouveau avec le lien ci-dessous : il fonctionne une fois, pendant une heure. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
    ),
    (
        "mail.credential_created_subject",
        "API key created: {label}",
        "Clé d'API créée : {label}",
    ),
    (
        "mail.credential_created",
        "{actor} created the API key {label} ({id}) for {owner}.",
        "{actor} a créé la clé d'API {label} ({id}) pour {owner}.",
    ),
    (
        "mail.credential_deleted_subject",
        "API key deleted: {label}",
        "Clé d'API supprimée : {label}",
    ),
    (
        "mail.credential_deleted",
        "{actor} deleted the API key {label} ({id}) of {owner}. It no longer works.",
        "{actor} a supprimé la clé d'API {label} ({id}) de {owner}. Elle ne fonctionne plus.",
    ),
    (
        "mail.credential_deactivated_subject",
        "API key deactivated: {label}",
        "Clé d'API désactivée : {label}",
    ),
    (
        "mail.credential_deactivated",
        "{actor} deactivated the API key {label} ({id}) of {owner}. Calls with it are refused until it is reactivated.",
        "{actor} a désactivé la clé d'API {label} ({id}) de {owner}. Les appels qui l'utilisent sont refusés jusqu'à sa réactivation.",
    ),
    (
        "mail.credential_expiring_subject",
        "API key expires soon: {label}",
        "Clé d'API bientôt expirée : {label}",
    ),
    (
        "mail.credential_expiring",
        "The API key {label} ({id}) of {owner} expires on {expires}. From then on every call with it is refused: create its replacement and switch the program to it before that date.",
        "La clé d'API {label} ({id}) de {owner} expire le {expires}. Ensuite, tout appel qui l'utilise est refusé : créez sa remplaçante et faites-la utiliser au programme avant cette date.",
    ),
    (
        "mail.credential_registered_subject",
        "API account registered: {label}",
        "Compte API enregistré : {label}",
    ),
    (
        "mail.credential_window_extended_subject",
        "Old secret kept working longer: {label}",
        "Ancien secret prolongé : {label}",
    ),
    (
        "mail.credential_window_extended",
        "{actor} extended the grace window of the key {label} ({id}) of {owner}: its old secret stays accepted until {until}.",
        "{actor} a prolongé la période de grâce de la clé {label} ({id}) de {owner} : son ancien secret reste accepté jusqu'au {until}.",
    ),
    (
        "mail.credential_dormant_subject",
        "Unused API key to be deactivated: {label}",
        "Clé d'API inutilisée bientôt désactivée : {label}",
    ),
    (
        "mail.credential_dormant",
        "The key {label} ({id}) of {owner} has not been used for a long time. It will be deactivated in 7 days unless it is used before; deactivated, it can be reactivated with the same value.",
        "La clé {label} ({id}) de {owner} n'a pas été utilisée depuis longtemps. Elle sera désactivée dans 7 jours si elle n'est pas utilisée d'ici là ; désactivée, elle peut être réactivée avec la même valeur.",
    ),
    (
        "mail.credential_dormant_deactivated_subject",
        "Unused API key deactivated: {label}",
        "Clé d'API inutilisée désactivée : {label}",
    ),
    (
        "mail.credential_dormant_deactivated",
        "The key {label} ({id}) of {owner} was deactivated: it had not been used since its owner was told a week ago. Reactivate it to use the same value again.",
        "La clé {label} ({id}) de {owner} a été désactivée : elle n'avait pas servi depuis que son propriétaire en a été prévenu il y a une semaine. Réactivez-la pour réutiliser la même valeur.",
    ),
    (
        "mail.credential_leak_reported_subject",
        "API key reported as leaked: {label}",
        "Clé d'API signalée comme divulguée : {label}",
    ),
    (
        "mail.credential_leak_reported",
        "Somebody reported the key {label} ({id}) of {owner} as leaked — found at: {found_at} (reported from {address}). It was deactivated at once: every program using it is refused from now on. Roll it on its page, give the programs the new secret, then reactivate it.",
        "Quelqu'un a signalé la clé {label} ({id}) de {owner} comme divulguée — trouvée à : {found_at} (signalement depuis {address}). Elle a été désactivée aussitôt : tout programme qui l'utilise est refusé désormais. Renouvelez-la sur sa page, donnez le nouveau secret aux programmes, puis réactivez-la.",
    ),
    (
        "mail.credential_leak_reported_previous",
        "Somebody reported the old secret of the key {label} ({id}) of {owner} as leaked — found at: {found_at} (reported from {address}). Its roll window was ended at once: only the new secret works from now on.",
        "Quelqu'un a signalé l'ancien secret de la clé {label} ({id}) de {owner} comme divulgué — trouvé à : {found_at} (signalement depuis {address}). Sa période de renouvellement a été close aussitôt : seul le nouveau secret fonctionne désormais.",
    ),
    (
        "mail.credential_new_network_subject",
        "API key used from a new network: {label}",
        "Clé d'API utilisée depuis un nouveau réseau : {label}",
    ),
    (
        "mail.credential_new_network",
        "The key {label} ({id}) of {owner} was used from {address} (user agent: {agent}), a network it had never been used from. Its page lists every place it is used from.",
        "La clé {label} ({id}) de {owner} a été utilisée depuis {address} (agent utilisateur : {agent}), un réseau d'où elle n'avait jamais été utilisée. Sa page liste tous les endroits d'où elle est utilisée.",
    ),
    (
        "mail.credential_window_ended_subject",
        "Old secret stopped while still in use: {label}",
        "Ancien secret arrêté alors qu'il servait encore : {label}",
    ),
    (
        "mail.credential_window_ended",
        "The grace window of the key {label} ({id}) of {owner} has ended: its old secret is refused from now on. It was still presented after the roll, last from {address}: move that program to the new secret.",
        "La période de grâce de la clé {label} ({id}) de {owner} est terminée : son ancien secret est désormais refusé. Il était encore présenté après le renouvellement, en dernier depuis {address} : passez ce programme au nouveau secret.",
    ),
    (
        "mail.credential_rolled_subject",
        "API key rolled: {label}",
        "Clé d'API renouvelée : {label}",
    ),
    (
        "mail.credential_rolled",
        "The key {label} ({id}) of {owner} was given a new secret by {actor}. Any old secret stays accepted only until the end of the window its page shows.",
        "La clé {label} ({id}) de {owner} a reçu un nouveau secret de {actor}. L'ancien secret reste accepté seulement jusqu'à la fin de la période que montre sa page.",
    ),
    (
        "mail.credential_registered",
        "A new API account {label} ({id}) was registered for {owner} through the API's /register method.",
        "Un nouveau compte API {label} ({id}) a été enregistré pour {owner} avec la méthode /register de l'API.",
    ),
    (
        "error.rate_limited",
        "Too many failed attempts. Wait a moment, then try again.",
        "Trop de tentatives échouées. Patientez un moment, puis réessayez.",
    ),
    ("accounts.title", "Sub accounts", "Sous-comptes"),
    (
        "accounts.intro",
        "A sub account has its own operators, groups, machines, API keys, audit journal and settings. Its operators see only it. As an administrator of this account you can switch into one and act there as its administrator; the journal of the sub account names you.",
        "Un sous-compte a ses propres opérateurs, groupes, machines, clés d'API, journal d'audit et paramètres. Ses opérateurs ne voient que lui. Administrateur de ce compte, vous pouvez y passer et y agir comme son administrateur ; le journal du sous-compte vous nomme.",
    ),
    (
        "accounts.empty",
        "No sub accounts yet.",
        "Aucun sous-compte pour l'instant.",
    ),
    (
        "accounts.view_all",
        "View sub accounts",
        "Voir les sous-comptes",
    ),
    ("accounts.operators", "Operators", "Opérateurs"),
    ("accounts.groups", "Groups", "Groupes"),
    ("accounts.machines", "Machines", "Machines"),
    ("accounts.keys", "API keys", "Clés d'API"),
    ("accounts.active_keys", "Active keys", "Clés actives"),
    ("accounts.webhooks", "Webhooks", "Webhooks"),
    (
        "accounts.last_activity",
        "Last activity",
        "Dernière activité",
    ),
    ("accounts.no_activity", "None yet", "Aucune"),
    ("accounts.active", "Active", "Actif"),
    ("accounts.inactive", "Deactivated", "Désactivé"),
    ("accounts.new", "New sub account", "Nouveau sous-compte"),
    (
        "accounts.new_name",
        "Name of the new sub account",
        "Nom du nouveau sous-compte",
    ),
    (
        "accounts.create",
        "Create sub account",
        "Créer le sous-compte",
    ),
    (
        "accounts.created",
        "Sub account created.",
        "Sous-compte créé.",
    ),
    (
        "accounts.saved",
        "Sub account saved.",
        "Sous-compte enregistré.",
    ),
    (
        "accounts.name_taken",
        "Another sub account already has this name.",
        "Un autre sous-compte porte déjà ce nom.",
    ),
    ("accounts.rename", "Rename", "Renommer"),
    (
        "accounts.deactivate",
        "Deactivate sub account",
        "Désactiver le sous-compte",
    ),
    (
        "accounts.reactivate",
        "Reactivate sub account",
        "Réactiver le sous-compte",
    ),
    (
        "accounts.deactivate_intro",
        "Its operators are signed out and cannot sign in, and its API keys are refused, until it is reactivated. Nothing in it is lost.",
        "Ses opérateurs sont déconnectés et ne peuvent plus se connecter, et ses clés d'API sont refusées, jusqu'à sa réactivation. Rien de ce qu'il contient n'est perdu.",
    ),
    (
        "accounts.reactivate_intro",
        "Its operators can sign in again and its active API keys work again.",
        "Ses opérateurs peuvent de nouveau se connecter et ses clés d'API actives fonctionnent de nouveau.",
    ),
    (
        "accounts.deactivated",
        "Sub account deactivated.",
        "Sous-compte désactivé.",
    ),
    (
        "accounts.reactivated",
        "Sub account reactivated.",
        "Sous-compte réactivé.",
    ),
    (
        "accounts.delete",
        "Delete sub account",
        "Supprimer le sous-compte",
    ),
    (
        "accounts.delete_question",
        "Delete this sub account?",
        "Supprimer ce sous-compte ?",
    ),
    (
        "accounts.delete_empty",
        "It holds nothing but its Administrators group.",
        "Il ne contient que son groupe Administrateurs.",
    ),
    (
        "accounts.delete_goes",
        "Everything in it goes with it, and cannot be brought back:",
        "Tout ce qu'il contient part avec lui, sans retour possible :",
    ),
    (
        "accounts.delete_confirm",
        "Delete it and everything in it",
        "Le supprimer avec tout son contenu",
    ),
    (
        "accounts.deleted",
        "Sub account deleted, with everything in it.",
        "Sous-compte supprimé, avec tout son contenu.",
    ),
    (
        "accounts.contents_changed",
        "Something was added to or removed from this sub account since you opened the confirmation: look at what it holds now and confirm again.",
        "Quelque chose a été ajouté à ce sous-compte ou en a été retiré depuis l'ouverture de la confirmation : regardez ce qu'il contient maintenant et confirmez de nouveau.",
    ),
    (
        "accounts.switch_to",
        "Switch to this account",
        "Passer dans ce compte",
    ),
    ("accounts.switch_back", "Back to", "Revenir à"),
    (
        "accounts.switched",
        "You now act in this sub account, as its administrator.",
        "Vous agissez maintenant dans ce sous-compte, comme son administrateur.",
    ),
    (
        "accounts.switched_back",
        "You are back in your own account.",
        "Vous êtes de retour dans votre propre compte.",
    ),
    (
        "accounts.acting_in",
        "Account you act in:",
        "Compte dans lequel vous agissez :",
    ),
    (
        "action.account.created",
        "Sub account created",
        "Sous-compte créé",
    ),
    (
        "action.account.renamed",
        "Sub account renamed",
        "Sous-compte renommé",
    ),
    (
        "action.account.activated",
        "Sub account reactivated",
        "Sous-compte réactivé",
    ),
    (
        "action.account.deactivated",
        "Sub account deactivated",
        "Sous-compte désactivé",
    ),
    (
        "action.account.deleted",
        "Sub account deleted",
        "Sous-compte supprimé",
    ),
    (
        "scope.accounts",
        "Manage the sub accounts, and act in one with ?account= (administrators of the main account)",
        "Gérer les sous-comptes, et agir dans l'un d'eux avec ?account= (administrateurs du compte principal)",
    ),
    (
        "accounts.bad_id",
        "Expected the id of a sub account (a number).",
        "L'identifiant d'un sous-compte (un nombre) est attendu.",
    ),
    (
        "settings.machine_mail",
        "Mail about machine keys",
        "Mails sur les clés des machines",
    ),
    (
        "settings.machine_mail_legend",
        "When a machine's key is created, changed or deleted, mail those who manage machines (Machines / Write)",
        "Quand une clé d'une machine est créée, modifiée ou supprimée, écrire à ceux qui gèrent les machines (Machines / Écriture)",
    ),
    (
        "settings.machine_mail_default_on",
        "As the server is set (KEYWARD_MAIL_MACHINE_KEY_CHANGES): yes",
        "Comme le serveur est réglé (KEYWARD_MAIL_MACHINE_KEY_CHANGES) : oui",
    ),
    (
        "settings.machine_mail_default_off",
        "As the server is set (KEYWARD_MAIL_MACHINE_KEY_CHANGES): no",
        "Comme le serveur est réglé (KEYWARD_MAIL_MACHINE_KEY_CHANGES) : non",
    ),
    (
        "settings.machine_mail_on",
        "Yes, for this account",
        "Oui, pour ce compte",
    ),
    (
        "settings.machine_mail_off",
        "No, for this account (a leaked or canary machine key is still told)",
        "Non, pour ce compte (une clé de machine divulguée ou piège est quand même signalée)",
    ),
    (
        "settings.mail_saved",
        "Mail setting saved.",
        "Réglage des mails enregistré.",
    ),
    (
        "settings.retention",
        "How long the journal is kept",
        "Durée de conservation du journal",
    ),
    (
        "settings.retention_days",
        "Keep this account's journal for (days, 7 to 3650; empty: as the server is set)",
        "Conserver le journal de ce compte pendant (jours, de 7 à 3650 ; vide : comme le serveur est réglé)",
    ),
    (
        "settings.retention_help",
        "Older entries are deleted, and the deletion is journalled.",
        "Les entrées plus anciennes sont supprimées, et la suppression est journalisée.",
    ),
    (
        "settings.retention_default_days",
        "The server keeps (KEYWARD_AUDIT_RETENTION_DAYS), in days:",
        "Le serveur conserve (KEYWARD_AUDIT_RETENTION_DAYS), en jours :",
    ),
    (
        "settings.retention_default_forever",
        "The server keeps it forever (KEYWARD_AUDIT_RETENTION_DAYS is not set).",
        "Le serveur le conserve indéfiniment (KEYWARD_AUDIT_RETENTION_DAYS n'est pas réglé).",
    ),
    (
        "settings.retention_saved",
        "Journal retention saved.",
        "Conservation du journal enregistrée.",
    ),
    (
        "settings.retention_out_of_range",
        "Give a number of days from 7 to 3650, or leave it empty.",
        "Indiquez un nombre de jours de 7 à 3650, ou laissez vide.",
    ),
    (
        "action.account.mail_changed",
        "Mail setting of machine keys changed",
        "Réglage des mails des clés de machines modifié",
    ),
    (
        "action.account.retention_changed",
        "Journal retention changed",
        "Conservation du journal modifiée",
    ),
    (
        "accounts.form_other_account",
        "This page was shown in another account than the one you act in now (you switched accounts meanwhile, perhaps in another tab): nothing was done. Open the page again and send it from there.",
        "Cette page a été affichée dans un autre compte que celui dans lequel vous agissez maintenant (vous avez changé de compte entre-temps, peut-être dans un autre onglet) : rien n'a été fait. Rouvrez la page et envoyez-la de là.",
    ),
    (
        "accounts.switch_gone",
        "The sub account you were acting in is no longer open to you (deactivated, deleted, or you are no longer an administrator): nothing was done. You are back in your own account.",
        "Le sous-compte dans lequel vous agissiez ne vous est plus ouvert (désactivé, supprimé, ou vous n'êtes plus administrateur) : rien n'a été fait. Vous êtes de retour dans votre propre compte.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_journal_action_and_actor_has_both_labels() {
        use crate::domain::journal::{Action, ActorKind};
        let keys = Action::ALL
            .iter()
            .map(|a| a.label_key())
            .chain(ActorKind::ALL.iter().map(|k| k.label_key()));
        for key in keys {
            let (en, fr) = CATALOG
                .get(key)
                .unwrap_or_else(|| panic!("{key} has no label"));
            assert!(!en.is_empty() && !fr.is_empty(), "{key}");
        }
    }

    #[test]
    fn keys_are_unique_and_translated() {
        assert_eq!(CATALOG.len(), MESSAGES.len(), "duplicate key in MESSAGES");
        for (key, en, fr) in MESSAGES {
            assert!(
                !en.is_empty() && !fr.is_empty(),
                "{key} is empty in a language"
            );
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"),
            Some(Lang::Fr)
        );
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, fr;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
