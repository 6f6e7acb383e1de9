-- How many keys each owner has, and how many of them are active, kept by triggers so every
-- way a key is written (console, API, /register, hand-over, cascades) keeps them true. Lists
-- and pagers read them instead of counting an owner's keys on every page view, which grew
-- with the owner's keys (10,000 for a busy operator, far more for a machine).
ALTER TABLE operators ADD COLUMN key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operators ADD COLUMN active_key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE machines ADD COLUMN key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE machines ADD COLUMN active_key_count INTEGER NOT NULL DEFAULT 0;

UPDATE operators SET
    key_count = (SELECT COUNT(*) FROM credentials c WHERE c.operator_id = operators.id),
    active_key_count = (SELECT COUNT(*) FROM credentials c WHERE c.operator_id = operators.id AND c.active);
UPDATE machines SET
    key_count = (SELECT COUNT(*) FROM credentials c WHERE c.machine_id = machines.id),
    active_key_count = (SELECT COUNT(*) FROM credentials c WHERE c.machine_id = machines.id AND c.active);

-- An owner id that is NULL matches no row, so each statement touches only the real owner.
CREATE TRIGGER credentials_count_insert AFTER INSERT ON credentials BEGIN
    UPDATE operators SET key_count = key_count + 1, active_key_count = active_key_count + NEW.active
        WHERE id = NEW.operator_id;
    UPDATE machines SET key_count = key_count + 1, active_key_count = active_key_count + NEW.active
        WHERE id = NEW.machine_id;
END;

CREATE TRIGGER credentials_count_delete AFTER DELETE ON credentials BEGIN
    UPDATE operators SET key_count = key_count - 1, active_key_count = active_key_count - OLD.active
        WHERE id = OLD.operator_id;
    UPDATE machines SET key_count = key_count - 1, active_key_count = active_key_count - OLD.active
        WHERE id = OLD.machine_id;
END;

-- Only the columns that change a count: the frequent "last used" writes do not fire it.
CREATE TRIGGER credentials_count_update AFTER UPDATE OF operator_id, machine_id, active ON credentials BEGIN
    UPDATE operators SET key_count = key_count - 1, active_key_count = active_key_count - OLD.active
        WHERE id = OLD.operator_id;
    UPDATE machines SET key_count = key_count - 1, active_key_count = active_key_count - OLD.active
        WHERE id = OLD.machine_id;
    UPDATE operators SET key_count = key_count + 1, active_key_count = active_key_count + NEW.active
        WHERE id = NEW.operator_id;
    UPDATE machines SET key_count = key_count + 1, active_key_count = active_key_count + NEW.active
        WHERE id = NEW.machine_id;
END;
