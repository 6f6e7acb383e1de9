//! The API reference in French: each English text of the OpenAPI document (the handlers'
//! annotations) with its translation. A test checks that every text of the document has one,
//! and that none here is left over, so a new or changed description cannot go untranslated.

/// (English, French), by the English text exactly as the document holds it.
pub const FRENCH: &[(&str, &str)] = &[
    (
        "The sub accounts of the caller's main account, by name, each with its roll-up.",
        "Les sous-comptes du compte principal de l'appelant, par nom, chacun avec son récapitulatif.",
    ),
    (
        "The key lacks `keyward:accounts`, or its owner is not an administrator",
        "La clé n'a pas `keyward:accounts`, ou son propriétaire n'est pas administrateur",
    ),
    (
        "The caller's account is a sub account",
        "Le compte de l'appelant est un sous-compte",
    ),
    (
        "Make a sub account (with its own, empty, Administrators group).",
        "Créer un sous-compte (avec son propre groupe Administrateurs, vide).",
    ),
    (
        "Another sub account has this name",
        "Un autre sous-compte porte ce nom",
    ),
    (
        "One sub account, with what it holds.",
        "Un sous-compte, avec ce qu'il contient.",
    ),
    ("The sub account's id", "L'identifiant du sous-compte"),
    (
        "Delete a sub account with everything in it: only if it holds exactly what the query\nsays (as `GET` showed it; all zero, the default, for an empty one) — else 409, nothing\ndeleted.",
        "Supprimer un sous-compte avec tout son contenu : seulement s'il contient exactement ce que dit la requête\n(comme `GET` l'a montré ; tout à zéro, la valeur par défaut, pour un sous-compte vide) — sinon 409, rien\nn'est supprimé.",
    ),
    ("Operators.", "Opérateurs."),
    (
        "Groups besides its built-in Administrators.",
        "Groupes en plus de son groupe intégré Administrateurs.",
    ),
    ("Machines.", "Machines."),
    ("API keys, active or not.", "Clés d'API, actives ou non."),
    ("Webhook endpoints.", "Points de terminaison de webhooks."),
    (
        "Deleted, with everything in it",
        "Supprimé, avec tout son contenu",
    ),
    (
        "It holds something else than the query says",
        "Il contient autre chose que ce que dit la requête",
    ),
    (
        "Rename a sub account, or deactivate or reactivate it.",
        "Renommer un sous-compte, ou le désactiver ou le réactiver.",
    ),
    (
        "One sub account and what it holds.",
        "Un sous-compte et ce qu'il contient.",
    ),
    (
        "The newest entry of its journal (RFC 3339), `null` if none.",
        "L'entrée la plus récente de son journal (RFC 3339), `null` s'il n'y en a pas.",
    ),
    (
        "A sub account with its roll-up.",
        "Un sous-compte avec son récapitulatif.",
    ),
    ("A sub account.", "Un sous-compte."),
    (
        "False: its operators cannot sign in and its keys are refused.",
        "Faux : ses opérateurs ne peuvent pas se connecter et ses clés sont refusées.",
    ),
    (
        "Pass as `?account=` to act in it; `X-Keyward-Account` and `/verify`'s `account` name\nit for its keys.",
        "À passer comme `?account=` pour agir dans ce sous-compte ; `X-Keyward-Account` et, dans la réponse de `/verify`,\nle champ `account` le nomment pour ses clés.",
    ),
    (
        "What a sub account holds (what deleting it takes with it).",
        "Ce que contient un sous-compte (ce que sa suppression emporte).",
    ),
    (
        "False deactivates it (its operators are signed out, its keys refused); true\nreactivates it.",
        "Faux le désactive (ses opérateurs sont déconnectés, ses clés refusées) ; vrai\nle réactive.",
    ),
    (
        "The main account's sub accounts",
        "Les sous-comptes du compte principal",
    ),
    (
        "Another import made one of these tokens at the same moment; nothing was imported",
        "Un autre import a créé l'un de ces jetons au même moment ; rien n'a été importé",
    ),
    (
        "Imports keys another system issued, so their tokens keep working (`Authorization:\nBearer <the old token>`): each one's old hash is checked on its first use, then replaced\nby Keyward's. The calling key's limit and allowlist apply to every key it imports.",
        "Importe les clés émises par un autre système, pour que leurs jetons continuent de fonctionner (`Authorization:\nBearer <the old token>`, avec l'ancien jeton) : l'ancien hachage de chacune est vérifié à sa première utilisation, puis remplacé\npar celui de Keyward. La limite et la liste d'adresses de la clé appelante s'appliquent à chaque clé qu'elle importe.",
    ),
    (
        "Check everything and say what would be imported; change nothing.",
        "Tout vérifier et dire ce qui serait importé, sans rien changer.",
    ),
    (
        "A JSON array of keys (`application/json`), or CSV with a header row of the same names (`text/csv`).\nAll or nothing: one key that cannot be imported and none is.",
        "Un tableau JSON de clés (`application/json`), ou du CSV avec une ligne d'en-tête des mêmes noms (`text/csv`).\nTout ou rien : si une clé ne peut pas être importée, aucune ne l'est.",
    ),
    (
        "A dry run: what would be imported",
        "Un essai à blanc : ce qui serait importé",
    ),
    (
        "Imported; each key's token works at once, its last use is unknown until used",
        "Importé ; le jeton de chaque clé fonctionne aussitôt, sa dernière utilisation est inconnue jusqu'à ce qu'elle serve",
    ),
    (
        "A key that cannot be imported (`field` names its line); nothing was",
        "Une clé qui ne peut pas être importée (`field` donne sa ligne) ; rien ne l'a été",
    ),
    ("Neither JSON nor CSV", "Ni JSON ni CSV"),
    (
        "One key of an import (a JSON object, or a CSV row with these column names).",
        "Une clé d'un import (un objet JSON, ou une ligne CSV avec ces noms de colonnes).",
    ),
    (
        "RFC 3339; default: now.",
        "RFC 3339 ; par défaut : maintenant.",
    ),
    (
        "RFC 3339; a key's import never outlives the calling key.",
        "RFC 3339 ; une clé importée ne survit jamais à la clé appelante.",
    ),
    (
        "The token's hash as the old system stored it.",
        "Le hachage du jeton, tel que l'ancien système le conservait.",
    ),
    (
        "`sha256` (hex), `django_sha512` (`sha512$$<hex>`), `argon2` or `bcrypt` (PHC strings).",
        "`sha256` (hexadécimal), `django_sha512` (`sha512$$<hex>`), `argon2` ou `bcrypt` (chaînes PHC).",
    ),
    (
        "An operator's email, or `machine:` and a machine's name.",
        "L'adresse d'un opérateur, ou `machine:` suivi du nom d'une machine.",
    ),
    (
        "The part of the token before its first dot, by which the old system found it:\nneeded for salted hashes (`django_sha512`, `argon2`, `bcrypt`).",
        "La partie du jeton avant son premier point, par laquelle l'ancien système le retrouvait :\nnécessaire pour les hachages salés (`django_sha512`, `argon2`, `bcrypt`).",
    ),
    (
        "Space-separated; never one the calling key does not carry.",
        "Séparées par des espaces ; jamais une que la clé appelante ne porte pas.",
    ),
    (
        "The token itself, when the old system kept it; or else `hash` and `hash_format`.",
        "Le jeton lui-même, si l'ancien système le conservait ; sinon `hash` et `hash_format`.",
    ),
    (
        "What an import did (or would do): every key, in the file's order.",
        "Ce qu'un import a fait (ou ferait) : chaque clé, dans l'ordre du fichier.",
    ),
    (
        "A key imported, or in a dry run one that would be.",
        "Une clé importée, ou lors d'un essai à blanc, une clé qui le serait.",
    ),
    (
        "Its public id; `null` in a dry run.",
        "Son identifiant public ; `null` lors d'un essai à blanc.",
    ),
    (
        "Its place in the file: the line (CSV) or the position from 1 (JSON).",
        "Sa place dans le fichier : la ligne (CSV) ou la position à partir de 1 (JSON).",
    ),
    (
        "How the counts are added up for a chart or a series.",
        "Comment les comptes sont regroupés pour un graphique ou une série.",
    ),
    (
        "A key's use: the last 24 hours or 30 days, with refusals by reason.",
        "L'utilisation d'une clé : les dernières 24 heures ou les 30 derniers jours, avec les refus par motif.",
    ),
    (
        "`hour`: the last 24 hours, hour by hour (the default); `day`: the last 30 days (UTC).",
        "`hour` : les dernières 24 heures, heure par heure (par défaut) ; `day` : les 30 derniers jours (UTC).",
    ),
    (
        "One hour or day of a key's use: successful uses and refusals by reason.",
        "Une heure ou un jour d'utilisation d'une clé : les utilisations réussies et les refus par motif.",
    ),
    (
        "The right secret from an address outside the key's allowlist.",
        "Le bon secret depuis une adresse hors de la liste autorisée de la clé.",
    ),
    (
        "Valid, but without a scope the call or route requires.",
        "Valide, mais sans une portée que l'appel ou la route exige.",
    ),
    (
        "RFC 3339, UTC: where the hour or day starts.",
        "RFC 3339, UTC : le début de l'heure ou du jour.",
    ),
    (
        "A key's use over a period, every hour or day of it (empty ones too), oldest first.\nCounted in memory and written every `KEYWARD_LAST_USED_FLUSH_MS`: the last uses may be\nmissing yet.",
        "L'utilisation d'une clé sur une période, chaque heure ou jour (les vides aussi), du plus ancien au plus récent.\nComptée en mémoire et écrite toutes les `KEYWARD_LAST_USED_FLUSH_MS` : les dernières utilisations peuvent\nmanquer encore.",
    ),
    (
        "The calling key lacks the scope this call needs",
        "Il manque à la clé appelante la portée que cet appel demande",
    ),
    (
        "The key's scopes, space-separated.",
        "Les portées de la clé, séparées par des espaces.",
    ),
    (
        "For a key past its rate limit: the uses its window allows.",
        "Pour une clé au-delà de sa limite de débit : les utilisations que sa période permet.",
    ),
    (
        "For a key past its rate limit: 0.",
        "Pour une clé au-delà de sa limite de débit : 0.",
    ),
    (
        "For a key past its rate limit: seconds until its window ends.",
        "Pour une clé au-delà de sa limite de débit : secondes avant la fin de sa période.",
    ),
    (
        "Its own rate limit; absent: the account's default applies, if it has one.",
        "Sa propre limite de débit ; absente : celle du compte par défaut s'applique, s'il en a une.",
    ),
    (
        "Its own rate limit. Default: the calling key's own (none if it has none: then the\naccount's default applies); never looser than the limit the calling key is under.",
        "Sa propre limite de débit. Par défaut : celle de la clé appelante (aucune si elle n'en a pas : la\nlimite par défaut du compte s'applique alors) ; jamais plus large que la limite de la clé appelante.",
    ),
    ("The length of a window.", "La durée d'une période."),
    (
        "A key's standing against its rate limit, as the `RateLimit-*` headers say it.",
        "Où en est une clé de sa limite de débit, comme le disent les en-têtes `RateLimit-*`.",
    ),
    (
        "Seconds until the window ends.",
        "Secondes avant la fin de la période.",
    ),
    (
        "At most `requests` uses per second, minute or hour, counted in fixed windows (a minute\nwindow starts on the minute). Past it, 429 with `Retry-After`.",
        "Au plus `requests` utilisations par seconde, minute ou heure, comptées par périodes fixes (une période\nd'une minute commence à la minute). Au-delà, 429 avec `Retry-After`.",
    ),
    (
        "A new rate limit of its own; `null` removes it (the account's default applies);\nabsent leaves it as it is. Never looser than the limit the calling key is under; a key\nmay tighten its own, never loosen it.",
        "Une nouvelle limite de débit propre ; `null` la retire (celle du compte par défaut s'applique) ;\nabsente, elle reste telle quelle. Jamais plus large que la limite de la clé appelante ; une clé\npeut resserrer la sienne, jamais l'élargir.",
    ),
    (
        "For a key with a rate limit: where it stands in the current window.",
        "Pour une clé avec une limite de débit : où elle en est dans la période en cours.",
    ),
    (
        "With `key_rate_limited`: seconds until the key's window ends.",
        "Avec `key_rate_limited` : secondes avant la fin de la période de la clé.",
    ),
    (
        "A scope the operator may not give",
        "Une portée que l'opérateur ne peut pas donner",
    ),
    (
        "A scope that is not in the account's catalog",
        "Une portée qui ne figure pas au catalogue du compte",
    ),
    (
        "The caller's own credential lacks the scope `keyward:verify`",
        "L'identifiant de l'appelant n'a pas la portée `keyward:verify`",
    ),
    (
        "A scope the key must carry for this route, such as `billing:read` (repeat the\nparameter to require several); without it, 403. Also read from the header\n`X-Keyward-Required-Scope` (space-separated), which the proxy sets: Envoy appends the\noriginal path, so its query is not the proxy's. A client can only add requirements\nto its own request, never remove the proxy's.",
        "Une portée que la clé doit porter pour cette route, par exemple `billing:read` (répétez le\nparamètre pour en exiger plusieurs) ; sans elle, 403. Lue aussi dans l'en-tête\n`X-Keyward-Required-Scope` (séparées par des espaces), que le proxy définit : Envoy ajoute le\nchemin d'origine, sa requête n'est donc pas celle du proxy. Un client peut seulement ajouter des exigences\nà sa propre requête, jamais retirer celles du proxy.",
    ),
    (
        "Valid, but the key lacks a scope the route requires",
        "Valide, mais il manque à la clé une portée que la route exige",
    ),
    (
        "What it is for: Keyward's own scopes (`keyward:…`) and the account's catalog scopes,\nsorted.",
        "Ce à quoi elle sert : les portées de Keyward (`keyward:…`) et celles du catalogue du compte,\ntriées.",
    ),
    (
        "With `forbidden` from `/auth/forward`: the scope the route requires that the key\ndoes not carry.",
        "Avec `forbidden` venant de `/auth/forward` : la portée que la route exige et que la clé\nne porte pas.",
    ),
    (
        "What it is for, at most 50: Keyward's own scopes (`keyward:credentials:write`, …) and\nnames from the account's catalog. Default: none. Never one the calling key does not\ncarry, nor one its owner may not give.",
        "Ce à quoi elle sert, 50 au plus : les portées de Keyward (`keyward:credentials:write`, …) et\ndes noms du catalogue du compte. Par défaut : aucune. Jamais une que la clé appelante ne\nporte pas, ni une que son propriétaire ne peut pas donner.",
    ),
    (
        "What the new key is for: Keyward's own scopes and names from the account's catalog,\nonly those the operator may give. Default: none.",
        "Ce à quoi sert la nouvelle clé : des portées de Keyward et des noms du catalogue du compte,\nseulement ceux que l'opérateur peut donner. Par défaut : aucune.",
    ),
    (
        "A new set of scopes (`[]`: none); absent leaves them as they are. Never one the calling\nkey does not carry, nor one its owner may not give.",
        "Un nouvel ensemble de portées (`[]` : aucune) ; absent, elles restent telles quelles. Jamais une que la clé\nappelante ne porte pas, ni une que son propriétaire ne peut pas donner.",
    ),
    (
        "HTTP Basic with an operator's console email and password (`/register` only).",
        "HTTP Basic avec l'e-mail et le mot de passe de console d'un opérateur (`/register` seulement).",
    ),
    (
        "The client address of that use (IPv4 or IPv6).",
        "L'adresse du client de cette utilisation (IPv4 ou IPv6).",
    ),
    (
        "The body is not JSON (Content-Type: application/json)",
        "Le corps n'est pas du JSON (Content-Type: application/json)",
    ),
    (
        "A credential cannot push back its own expiry, change its own allowlist or loosen its own rate limit; or a scope that is not in the account's catalog",
        "Un identifiant ne peut pas repousser sa propre expiration, changer sa propre liste d'adresses ni élargir sa propre limite de débit ; ou une portée qui ne figure pas au catalogue du compte",
    ),
    (
        "False for a deactivated operator: then every key of theirs is refused, whatever its\nown `active`.",
        "Faux pour un opérateur désactivé : chacune de ses clés est alors refusée, quel que soit\nson propre `active`.",
    ),
    (
        "A credential as the API shows it. Never its secret.",
        "Un identifiant tel que l'API le montre. Jamais son secret.",
    ),
    (
        "A limit outside 1 to 1000, a malformed `after` or owner",
        "Une limite hors de 1 à 1000, un `after` ou un propriétaire mal formé",
    ),
    (
        "A new credential. `secret` and `token` appear in this response only.",
        "Un nouvel identifiant. `secret` et `token` ne figurent que dans cette réponse.",
    ),
    ("API accounts and API keys", "Comptes API et clés d'API"),
    (
        "Another owner, without an administrator's credential",
        "Un autre propriétaire, sans l'identifiant d'un administrateur",
    ),
    (
        "Create a credential. It works at once; its secret is in this response only.",
        "Crée un identifiant. Il fonctionne aussitôt ; son secret ne figure que dans cette réponse.",
    ),
    ("Database unavailable", "Base de données indisponible"),
    (
        "Delete a credential, at once: the next request with it gets 401.",
        "Supprime un identifiant, aussitôt : la requête suivante qui le présente reçoit 401.",
    ),
    ("Deleted", "Supprimé"),
    (
        "For other services and reverse proxies",
        "Pour les autres services et les proxys inverses",
    ),
    (
        "For reverse proxies: checks the request's `Authorization` header. 200 with\n`X-Keyward-Credential`, `X-Keyward-Owner`, `X-Keyward-Owner-Kind`, `X-Keyward-Account`,\n`X-Keyward-Scopes` (space-separated) and `X-Keyward-Owner-Name` (percent-encoded); 401;\n403 when the key lacks a scope the route requires (`scope`); or 429 with `Retry-After`\nafter too many failures. Any method.",
        "Pour les proxys inverses : vérifie l'en-tête `Authorization` de la requête. 200 avec\n`X-Keyward-Credential`, `X-Keyward-Owner`, `X-Keyward-Owner-Kind`, `X-Keyward-Account`,\n`X-Keyward-Scopes` (séparées par des espaces) et `X-Keyward-Owner-Name` (encodé en pourcentage) ; 401 ;\n403 quand la clé n'a pas une portée que la route exige (`scope`) ; ou 429 avec `Retry-After`\naprès trop d'échecs. Toute méthode.",
    ),
    (
        "How many credentials at most, 1 to 1000. Default: 100.",
        "Combien d'identifiants au plus, de 1 à 1000. Par défaut : 100.",
    ),
    (
        "How many credentials the owner has in all.",
        "Combien d'identifiants le propriétaire a en tout.",
    ),
    (
        "Invalid credentials (unknown, wrong secret, inactive, deleted)",
        "Identifiants invalides (inconnus, mauvais secret, inactifs, supprimés)",
    ),
    (
        "Is this key valid, and whose is it? The caller authenticates with its own credential.\nFails closed: without a database answer it is 503, never `valid: true`.",
        "Cette clé est-elle valide, et à qui est-elle ? L'appelant s'authentifie avec son propre identifiant.\nEn cas de doute, refuse : sans réponse de la base de données, c'est 503, jamais `valid: true`.",
    ),
    (
        "List an owner's credentials, oldest first, a page at a time: follow `next` (as `after`)\nuntil it is `null`.",
        "Liste les identifiants d'un propriétaire, du plus ancien au plus récent, une page à la fois : suivez `next` (comme `after`)\njusqu'à ce qu'il soit `null`.",
    ),
    (
        "Manage and verify API credentials. Authenticate with HTTP Basic (username = credential id, password = secret) or `Authorization: Bearer kwd_<id>_<secret><checksum>` (pattern `kwd_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}`).",
        "Gérer et vérifier les identifiants d'API. Authentification par HTTP Basic (nom d'utilisateur = identifiant, mot de passe = secret) ou `Authorization: Bearer kwd_<id>_<secret><checksum>` (motif `kwd_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}`).",
    ),
    (
        "Missing, malformed or invalid credentials",
        "Identifiants absents, mal formés ou invalides",
    ),
    ("No such owner", "Propriétaire inconnu"),
    ("One credential.", "Un identifiant."),
    (
        "One page of an owner's credentials, oldest first.",
        "Une page des identifiants d'un propriétaire, du plus ancien au plus récent.",
    ),
    ("Optional", "Facultatif"),
    (
        "Pass as `after` for the next page; `null` on the last one.",
        "À passer comme `after` pour la page suivante ; `null` sur la dernière.",
    ),
    ("Public id", "Identifiant public"),
    ("RFC 3339, UTC.", "RFC 3339, UTC."),
    (
        "RFC 3339, UTC; from then on the credential is refused. Absent: it does not expire.",
        "RFC 3339, UTC ; à partir de ce moment l'identifiant est refusé. Absent : il n'expire pas.",
    ),
    (
        "RFC 3339, UTC; written in batches, so up to `KEYWARD_LAST_USED_FLUSH_MS` old.",
        "RFC 3339, UTC ; écrit par lots, donc jusqu'à `KEYWARD_LAST_USED_FLUSH_MS` de retard.",
    ),
    (
        "RFC 3339. From then on the credential is refused like a deleted one. Later than now,\nat most ten years ahead; default: it does not expire.",
        "RFC 3339. À partir de ce moment l'identifiant est refusé comme s'il était supprimé. Plus tard que maintenant,\nau plus dix ans en avant ; par défaut : il n'expire pas.",
    ),
    (
        "RFC 3339: a new expiry (later than now, at most ten years ahead); `null` removes it;\nabsent leaves it as it is.",
        "RFC 3339 : une nouvelle expiration (plus tard que maintenant, au plus dix ans en avant) ; `null` la supprime ;\nabsent, elle reste telle quelle.",
    ),
    (
        "Register a new API account for the operator whose console email and password are sent\nwith HTTP Basic. Failures are throttled like sign-in.",
        "Enregistre un nouveau compte API pour l'opérateur dont l'e-mail et le mot de passe de la console sont envoyés\npar HTTP Basic. Les échecs sont limités comme à la connexion.",
    ),
    (
        "Rename and/or (de)activate a credential, at once. Deactivation refuses the very next\nrequest; reactivation restores the same secret.",
        "Renomme et/ou (dés)active un identifiant, aussitôt. La désactivation refuse dès la requête\nsuivante ; la réactivation rétablit le même secret.",
    ),
    (
        "The `next` of the previous page: the credentials after it.",
        "Le `next` de la page précédente : les identifiants qui le suivent.",
    ),
    (
        "The address the key was presented from, recorded as its *last used from*. Default:\nthe caller's address. It never decides whose failures are limited: the calling\ncredential's are.",
        "L'adresse d'où la clé a été présentée, enregistrée comme sa *dernière utilisation depuis*. Par défaut :\nl'adresse de l'appelant. Elle ne décide jamais de qui voit ses échecs limités : ce sont ceux de\nl'identifiant appelant.",
    ),
    (
        "The body of every error: a stable code and an English message.",
        "Le corps de toute erreur : un code stable et un message en anglais.",
    ),
    (
        "The caller's own credential is invalid",
        "L'identifiant de l'appelant lui-même est invalide",
    ),
    (
        "The calling credential and its owner",
        "L'identifiant appelant et son propriétaire",
    ),
    (
        "The credential that made the call, and its owner.",
        "L'identifiant qui a fait l'appel, et son propriétaire.",
    ),
    (
        "The new API account, named as Uptrends names it (`username`, `password`) and as Keyward\ndoes (`id`, `secret`, `token`). Shown once.",
        "Le nouveau compte API, nommé comme Uptrends le nomme (`username`, `password`) et comme Keyward\nle fait (`id`, `secret`, `token`). Affiché une seule fois.",
    ),
    (
        "The public id (HTTP Basic username).",
        "L'identifiant public (nom d'utilisateur HTTP Basic).",
    ),
    (
        "The public id: the HTTP Basic username.",
        "L'identifiant public : le nom d'utilisateur HTTP Basic.",
    ),
    (
        "The secret (HTTP Basic password). Shown once.",
        "Le secret (mot de passe HTTP Basic). Affiché une seule fois.",
    ),
    (
        "The user agent of the program that presented the key, kept with the address as one\nof the key's sources (at most 200 characters). Default: none.",
        "L'agent utilisateur du programme qui a présenté la clé, gardé avec l'adresse comme\nl'une des sources de la clé (200 caractères au plus). Par défaut : aucun.",
    ),
    (
        "How much longer an open roll window stays open.",
        "De combien une période de renouvellement ouverte est prolongée.",
    ),
    (
        "ISO 8601: `PT1H`, `PT24H` or `P7D`, added to the window's end (never past the key's\nexpiry).",
        "ISO 8601 : `PT1H`, `PT24H` ou `P7D`, ajouté à la fin de la période (jamais au-delà de\nl'expiration de la clé).",
    ),
    (
        "Extend a roll's grace window, once: the old secret stays accepted longer.",
        "Prolonger la période de grâce d'un renouvellement, une fois : l'ancien secret reste accepté plus longtemps.",
    ),
    (
        "No window open, or extended already",
        "Aucune période ouverte, ou déjà prolongée",
    ),
    (
        "Where a key is used from: addresses and user agents, with first and last seen.",
        "D'où une clé est utilisée : adresses et agents utilisateurs, avec première et dernière fois.",
    ),
    (
        "Which of a key's secrets a source presented.",
        "Lequel des secrets de la clé une source a présenté.",
    ),
    (
        "Where a key is used from: each distinct client address and user agent, per secret, most\nrecently seen first (the last 50). Written every `KEYWARD_LAST_USED_FLUSH_MS`: the last\nuses may be missing yet.",
        "D'où une clé est utilisée : chaque adresse de client et agent utilisateur distincts, par\nsecret, le plus récent d'abord (les 50 derniers). Écrit toutes les\n`KEYWARD_LAST_USED_FLUSH_MS` : les dernières utilisations peuvent encore manquer.",
    ),
    (
        "One place a key was used from.",
        "Un endroit d'où la clé a été utilisée.",
    ),
    (
        "As the program sent it (at most 200 characters; empty when it sent none).",
        "Tel que le programme l'a envoyé (200 caractères au plus ; vide s'il n'en a envoyé aucun).",
    ),
    (
        "The token to check: `kwd_<id>_<secret><checksum>`.",
        "Le jeton à vérifier : `kwd_<id>_<secret><checksum>`.",
    ),
    ("The verdict on the key", "Le verdict sur la clé"),
    (
        "Too many failures, or the key's rate limit is used up; see Retry-After",
        "Trop d'échecs, ou la limite de débit de la clé est épuisée ; voir Retry-After",
    ),
    (
        "Valid; identity in the X-Keyward-* headers",
        "Valide ; identité dans les en-têtes X-Keyward-*",
    ),
    ("Who owns a credential.", "À qui appartient un identifiant."),
    (
        "Whose credentials: `operator:ID` or `machine:ID`. Default: the caller's owner.\nAnother operator needs a credential whose owner holds *Operators / Write* and every\npermission that operator holds; a machine, *Machines / Read*.",
        "Les identifiants de qui : `operator:ID` ou `machine:ID`. Par défaut : le propriétaire de l'appelant.\nUn autre opérateur demande un identifiant dont le propriétaire détient *Opérateurs / Écriture* et chaque\npermission que cet opérateur détient ; une machine, *Machines / Lecture*.",
    ),
    (
        "`kwd_<id>_<secret><checksum>`, for `Authorization: Bearer`. Shown once.",
        "`kwd_<id>_<secret><checksum>`, pour `Authorization: Bearer`. Affiché une seule fois.",
    ),
    (
        "`operator:ID` or `machine:ID`; default: the caller's owner.",
        "`operator:ID` ou `machine:ID` ; par défaut : le propriétaire de l'appelant.",
    ),
    ("`operator` or `machine`.", "`operator` ou `machine`."),
    (
        "The account's machines, a page at a time: follow `next` (as `after`) until it is `null`.",
        "Les machines du compte, page par page : suivez `next` (comme `after`) jusqu'à ce qu'il soit `null`.",
    ),
    (
        "How many at most, 1 to 1000. Default: 100.",
        "Combien au plus, de 1 à 1000. Par défaut : 100.",
    ),
    (
        "The `next` of the previous page: the items after it.",
        "Le `next` de la page précédente : les éléments qui le suivent.",
    ),
    (
        "A limit outside 1 to 1000, or a malformed `after`",
        "Une limite hors de 1 à 1000, ou un `after` mal formé",
    ),
    (
        "The key's owner lacks *Machines / Read* (a machine's key always does)",
        "Le propriétaire de la clé n'a pas *Machines / Lecture* (jamais pour la clé d'une machine)",
    ),
    (
        "Create a machine. Give it keys with `POST /api/v1/credentials` and `owner` `machine:ID`.",
        "Crée une machine. Donnez-lui des clés avec `POST /api/v1/credentials` et `owner` `machine:ID`.",
    ),
    (
        "The key's owner lacks *Machines / Write*",
        "Le propriétaire de la clé n'a pas *Machines / Écriture*",
    ),
    ("One machine.", "Une machine."),
    ("The machine's id", "L'id de la machine"),
    (
        "Delete a machine and every key it has, at once: the next request with any of them gets\n401.",
        "Supprime une machine et toutes ses clés, aussitôt : la requête suivante qui présente l'une\nd'elles reçoit 401.",
    ),
    (
        "Rename a machine or change its description, at once.",
        "Renomme une machine ou change sa description, aussitôt.",
    ),
    (
        "The account's operators, a page at a time: follow `next` (as `after`) until it is `null`.",
        "Les opérateurs du compte, page par page : suivez `next` (comme `after`) jusqu'à ce qu'il soit `null`.",
    ),
    (
        "The key's owner lacks *Operators / Read* (a machine's key always does)",
        "Le propriétaire de la clé n'a pas *Opérateurs / Lecture* (jamais pour la clé d'une machine)",
    ),
    (
        "A group an operator belongs to.",
        "Un groupe dont l'opérateur est membre.",
    ),
    (
        "One page of the account's machines, in the order they were created.",
        "Une page des machines du compte, dans l'ordre de leur création.",
    ),
    (
        "How many machines the account has in all.",
        "Combien de machines le compte a en tout.",
    ),
    (
        "A machine: a service or job that owns keys of its own.",
        "Une machine : un service ou une tâche qui a ses propres clés.",
    ),
    (
        "Use as `owner` `machine:ID` in the credentials calls.",
        "S'utilise comme `owner` `machine:ID` dans les appels des identifiants.",
    ),
    (
        "How many keys it has, and how many of them are active.",
        "Combien de clés elle a, et combien d'entre elles sont actives.",
    ),
    (
        "At most 500 characters. Default: none.",
        "500 caractères au plus. Par défaut : aucune.",
    ),
    (
        "One page of the account's operators, in the order they were created.",
        "Une page des opérateurs du compte, dans l'ordre de leur création.",
    ),
    (
        "How many operators the account has in all.",
        "Combien d'opérateurs le compte a en tout.",
    ),
    (
        "An operator: a person who signs in to the console and may own keys.",
        "Un opérateur : une personne qui se connecte à la console et peut avoir des clés.",
    ),
    (
        "False for a deactivated operator: they cannot sign in and every key of theirs is\nrefused.",
        "Faux pour un opérateur désactivé : il ne peut pas se connecter et chacune de ses clés\nest refusée.",
    ),
    (
        "A member of the built-in Administrators group.",
        "Membre du groupe intégré Administrateurs.",
    ),
    (
        "Every group they belong to, by name.",
        "Chaque groupe dont il est membre, par nom.",
    ),
    (
        "Use as `owner` `operator:ID` in the credentials calls.",
        "S'utilise comme `owner` `operator:ID` dans les appels des identifiants.",
    ),
    ("How many keys they own.", "Combien de clés il possède."),
    (
        "At most 500 characters; absent leaves it as it is.",
        "500 caractères au plus ; absent, elle reste telle quelle.",
    ),
    (
        "Service accounts that own keys",
        "Comptes de service qui ont des clés",
    ),
    ("The people of the account", "Les personnes du compte"),
    ("A person or a machine.", "Une personne ou une machine."),
    (
        "Seconds to wait before the next attempt.",
        "Secondes à attendre avant la prochaine tentative.",
    ),
    ("The key's public id.", "L'id public de la clé."),
    (
        "The owner's name, percent-encoded (UTF-8).",
        "Le nom du propriétaire, encodé en pourcentage (UTF-8).",
    ),
    (
        "The path of what was made.",
        "Le chemin de ce qui a été créé.",
    ),
    (
        "The stable code of an error: what programs should test, rather than the message.",
        "Le code stable d'une erreur : ce que les programmes doivent tester, plutôt que le message.",
    ),
    (
        "Why a key is not valid: it is not a live key (unknown, wrong secret, inactive, expired,\ndeleted — never which), or too many failures came from the caller.",
        "Pourquoi une clé n'est pas valide : ce n'est pas une clé en service (inconnue, mauvais secret, inactive, expirée,\nsupprimée — jamais laquelle), ou trop d'échecs sont venus de l'appelant.",
    ),
    (
        "Why not, when `valid` is false.",
        "Pourquoi pas, quand `valid` est faux.",
    ),
    (
        "With `bad_request`: the field of the body at fault.",
        "Avec `bad_request` : le champ du corps en cause.",
    ),
    (
        "With `forbidden`: the permission that is missing (`administrator`,\n`operators.write`, …), or the scope the calling key lacks (`keyward:credentials:write`, …).",
        "Avec `forbidden` : la permission qui manque (`administrator`,\n`operators.write`, …), ou la portée qui manque à la clé appelante (`keyward:credentials:write`, …).",
    ),
    (
        "`Basic realm=\"Keyward\", charset=\"UTF-8\"` and `Bearer realm=\"Keyward\"`: the two ways to present a key.",
        "`Basic realm=\"Keyward\", charset=\"UTF-8\"` et `Bearer realm=\"Keyward\"` : les deux façons de présenter une clé.",
    ),
    (
        "The owner's id; see `X-Keyward-Owner-Kind`.",
        "L'id du propriétaire ; voir `X-Keyward-Owner-Kind`.",
    ),
    (
        "1 to 100 characters, not only spaces, no control characters. Absent or `null`: as it\nis (when creating, the default).",
        "1 à 100 caractères, pas seulement des espaces, sans caractère de contrôle. Absent ou `null` : tel\nquel (à la création, la valeur par défaut).",
    ),
    (
        "1 to 100 characters, not only spaces, no control characters.",
        "1 à 100 caractères, pas seulement des espaces, sans caractère de contrôle.",
    ),
    (
        "Without a `label`, it is named \"Registered through the API on <date>\", in the operator's\nlanguage.",
        "Sans `label`, il est nommé « Enregistré par l'API le <date> », dans la langue de\nl'opérateur.",
    ),
    (
        "A malformed `Authorization` header",
        "Un en-tête `Authorization` mal formé",
    ),
    (
        "The id of the account the key belongs to.",
        "L'id du compte auquel la clé appartient.",
    ),
    (
        "A rolled credential: the same id, a new secret. `secret` and `token` appear in this\nresponse only.",
        "Un identifiant renouvelé : le même id, un nouveau secret. `secret` et `token` ne figurent que\ndans cette réponse.",
    ),
    (
        "End a roll's grace window now: the old secret is refused from the next request on.",
        "Met fin maintenant à la période de grâce d'un renouvellement : l'ancien secret est refusé dès la requête suivante.",
    ),
    (
        "How long a rolled key's old secret stays accepted (never past the key's expiry).",
        "Combien de temps l'ancien secret d'une clé renouvelée reste accepté (jamais au-delà de l'expiration de la clé).",
    ),
    (
        "ISO 8601: `PT0S` (the old secret stops at once, the default), `PT1H`, `PT24H` or `P7D`.",
        "ISO 8601 : `PT0S` (l'ancien secret cesse aussitôt, par défaut), `PT1H`, `PT24H` ou `P7D`.",
    ),
    (
        "No old secret is still accepted",
        "Aucun ancien secret n'est encore accepté",
    ),
    (
        "RFC 3339, UTC: after a roll, the old secret is accepted until then too. Absent: only\nthe current secret is.",
        "RFC 3339, UTC : après un renouvellement, l'ancien secret est aussi accepté jusque-là. Absent : seul\nle secret actuel l'est.",
    ),
    (
        "Roll a credential: a new secret for the same id, label, owner and history. The old secret\nstays accepted for the grace window asked for, so programs can be moved over before it\nstops; the new one works at once and is in this response only. During the window the old\nsecret is good for being checked only: Keyward's own API refuses it (401).",
        "Renouvelle un identifiant : un nouveau secret pour le même id, le même libellé, le même propriétaire et le même historique. L'ancien secret\nreste accepté pendant la période de grâce demandée, pour que les programmes passent au nouveau avant qu'il\ncesse ; le nouveau fonctionne aussitôt et ne figure que dans cette réponse. Pendant la période, l'ancien\nsecret ne sert qu'à être vérifié : l'API de Keyward elle-même le refuse (401).",
    ),
    (
        "The new secret (HTTP Basic password). Shown once.",
        "Le nouveau secret (mot de passe HTTP Basic). Montré une fois.",
    ),
    (
        "A new allowlist (`[]`: anywhere); absent leaves it as it is. A key cannot change its\nown, nor give another one wider than its own.",
        "Une nouvelle liste d'adresses autorisées (`[]` : partout) ; absente, elle reste telle quelle. Une clé ne peut pas changer\nla sienne, ni en donner à une autre une plus large que la sienne.",
    ),
    (
        "Where it may be used from (addresses and CIDR ranges); empty: anywhere.",
        "D'où elle peut être utilisée (adresses et plages CIDR) ; vide : partout.",
    ),
    (
        "Where it may be used from: IPv4 or IPv6 addresses and CIDR ranges, at most 50; from\nanywhere else it is refused like an invalid key. Default: the calling key's own\n(anywhere, if it has none); never wider than it.",
        "D'où elle peut être utilisée : adresses et plages CIDR IPv4 ou IPv6, 50 au plus ; de\npartout ailleurs elle est refusée comme une clé invalide. Par défaut : celle de la clé appelante\n(partout, si elle n'en a pas) ; jamais plus large.",
    ),
    (
        "The last roll's old secret is still accepted (retire it first), a grace window was asked for a secret stored from before keyed hashes, or the key may do more than the calling key",
        "L'ancien secret du dernier renouvellement est encore accepté (retirez-le d'abord), une période de grâce a été demandée pour un secret enregistré d'avant les hachages à clé, ou la clé peut plus que la clé appelante",
    ),
    (
        "Its owner is mailed when it is first used from a new network.",
        "Son propriétaire reçoit un courriel quand elle est utilisée pour la première fois depuis un nouveau réseau.",
    ),
    (
        "Mail its owner (and journal) when it is first used from a network it was never used\nfrom. Default: on for an operator's key, off for a machine's.",
        "Prévenir son propriétaire par courriel (et le journal) quand elle est utilisée pour la première fois depuis un réseau\njamais vu. Par défaut : activé pour la clé d'un opérateur, désactivé pour celle d'une machine.",
    ),
    (
        "Turns the new-network notice on or off; absent leaves it as it is. A key cannot turn\noff its own.",
        "Active ou désactive l'avis de nouveau réseau ; absent, il reste tel quel. Une clé ne peut pas désactiver\nle sien.",
    ),
    (
        "Report a leaked token; no authentication. A token that works is stopped at once: a key's\nsecret deactivates the key, the old secret of a roll ends its window. Its owner is mailed\nwhere it was found, and the journal says so. The answer is the same for every token.\nAt most 20 reports per client address per 10 minutes.",
        "Signale un jeton divulgué ; sans authentification. Un jeton qui fonctionne est arrêté aussitôt : le secret d'une clé\ndésactive la clé, l'ancien secret d'un renouvellement clôt sa période. Son propriétaire reçoit un courriel disant\noù il a été trouvé, et le journal le note. La réponse est la même pour tout jeton.\nAu plus 20 signalements par adresse cliente par tranche de 10 minutes.",
    ),
    (
        "Always `received`, whatever the token was.",
        "Toujours `received`, quel que soit le jeton.",
    ),
    (
        "Where it was found (a URL, a file): told to the key's owner.",
        "Où il a été trouvé (une URL, un fichier) : dit au propriétaire de la clé.",
    ),
    (
        "The whole bearer token as found (`kwd_…`).",
        "Le jeton Bearer entier, tel que trouvé (`kwd_…`).",
    ),
    (
        "A canary: never works, every use is told to its owner. Said here only: a key that\nlists keys must not tell an intruder which ones are tripwires.",
        "Un leurre : ne fonctionne jamais, chaque utilisation est signalée à son propriétaire. Dit ici seulement : une clé qui\nliste les clés ne doit pas dire à un intrus lesquelles sont des pièges.",
    ),
    (
        "A canary: a tripwire to plant where an intruder would look. It never works (refused\nlike an invalid key) and every use is told to its owner at once, with the address\nand user agent. Default: no; cannot be changed later.",
        "Un leurre : un piège à placer là où un intrus chercherait. Il ne fonctionne jamais (refusé\ncomme une clé invalide) et chaque utilisation est signalée aussitôt à son propriétaire, avec l'adresse\net l'agent utilisateur. Par défaut : non ; ne peut pas être changé ensuite.",
    ),
    (
        "GitHub's secret scanning partner endpoint: GitHub sends the Keyward tokens it finds in\npublic repositories and packages, signed with one of its published keys (ECDSA P-256,\n`GITHUB-PUBLIC-KEY-IDENTIFIER` and `GITHUB-PUBLIC-KEY-SIGNATURE`, base64 DER, over the\nbody as sent). Each token that works is stopped as a reported leak is, the owner mailed\nthe URL where it was found. Off (404) unless `KEYWARD_GITHUB_SCANNING_KEYS` is set; a\nmissing or wrong signature is 401.",
        "Le point d'entrée du programme partenaire de détection de secrets de GitHub : GitHub envoie les jetons Keyward qu'il trouve dans\nles dépôts et paquets publics, signés avec l'une de ses clés publiées (ECDSA P-256,\n`GITHUB-PUBLIC-KEY-IDENTIFIER` et `GITHUB-PUBLIC-KEY-SIGNATURE`, DER en base64, sur le\ncorps tel qu'envoyé). Chaque jeton qui fonctionne est arrêté comme une fuite signalée, le propriétaire reçoit\nl'URL où il a été trouvé. Désactivé (404) sauf si `KEYWARD_GITHUB_SCANNING_KEYS` est défini ; une\nsignature absente ou fausse donne 401.",
    ),
    (
        "Not signed by a configured GitHub key",
        "Non signé par une clé GitHub configurée",
    ),
    ("Not configured", "Non configuré"),
    (
        "One match GitHub's secret scanning found, as it sends them.",
        "Une correspondance trouvée par la détection de secrets de GitHub, telle qu'il l'envoie.",
    ),
    (
        "What kind of place (`content`, `commit`, `issue`, …).",
        "Quel genre d'endroit (`content`, `commit`, `issue`, …).",
    ),
    (
        "The token type GitHub knows it by (echoed back).",
        "Le type de jeton sous lequel GitHub le connaît (renvoyé tel quel).",
    ),
    ("Where it was found.", "Où il a été trouvé."),
    (
        "Keyward's verdict on one match, as GitHub reads it.",
        "Le verdict de Keyward sur une correspondance, tel que GitHub le lit.",
    ),
    (
        "`true_positive`: a token that worked, now stopped; else `false_positive`.",
        "`true_positive` : un jeton qui fonctionnait, désormais arrêté ; sinon `false_positive`.",
    ),
];
