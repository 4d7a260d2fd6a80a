"""Wrong refusal(member, command) answers (exercise 08, the permission check)."""


def never(member, command):
    """Lets everyone run everything."""
    return None


def kick_only(member, command):
    """Only knows about /kick, so members can still /ban."""
    if command.name == "kick" and not member.admin:
        return "/kick is for admins only"
    if command.speaks and member.muted:
        return "you are muted"
    return None


def members_refused_everything(member, command):
    """Refuses every command to anyone who is not an admin."""
    if not member.admin:
        return f"/{command.name} is for admins only"
    return None


def ignores_mute(member, command):
    """Forgets muted members."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    return None


def mute_silences_everything(member, command):
    """Refuses muted members every command, even /who."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    if member.muted:
        return "you are muted"
    return None


def returns_bool(member, command):
    """Answers True or False instead of a reason or None."""
    return command.admin and not member.admin


def wrong_role(member, command):
    """Refuses admin commands to admins and allows them to members."""
    if command.admin and member.admin:
        return f"/{command.name} is for members only"
    if command.speaks and member.muted:
        return "you are muted"
    return None


CAUGHT = {
    "never": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
    "kick_only": ("failed", "may not run /ban, but refusal allowed it", "not the command's name"),
    "members_refused_everything": ("failed", "may run /who, but refusal refused it", "for everyone"),
    "ignores_mute": ("failed", "may not run /me, but refusal allowed it", "command.speaks and member.muted"),
    "mute_silences_everything": ("failed", "may run /who, but refusal refused it", "only stops speaking"),
    "returns_bool": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
    "wrong_role": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
}


def right_one_expression(member, command):
    """Right, written differently: one conditional expression per rule."""
    admin_only = command.admin and not member.admin
    silenced = command.speaks and member.muted
    return (f"/{command.name} is for admins only" if admin_only
            else "you are muted" if silenced else None)


RIGHT = ["right_one_expression"]


def admin_role_must_match(member, command):
    """Refuses admins the commands that are not admin commands (admin != member.admin)."""
    if command.admin != member.admin:
        return f"/{command.name} is not for you"
    if command.speaks and member.muted:
        return "you are muted"
    return None


def admins_ignore_mute(member, command):
    """Lets a muted admin speak."""
    if member.admin:
        return None
    if command.admin:
        return f"/{command.name} is for admins only"
    if command.speaks and member.muted:
        return "you are muted"
    return None


def mute_blocks_admin_commands(member, command):
    """Refuses a muted admin its admin commands too."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    if member.muted and (command.speaks or command.admin):
        return "you are muted"
    return None


def muted_skip_admin_rule(member, command):
    """Checks the mute first and returns None for a muted member's other commands."""
    if member.muted:
        return "you are muted" if command.speaks else None
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    return None


def empty_reason(member, command):
    """Refuses with an empty string, which reads as no reason at all."""
    if command.admin and not member.admin:
        return ""
    if command.speaks and member.muted:
        return ""
    return None


def names_list_for_speaking(member, command):
    """Lists the commands that speak by name, and forgets /nick."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    if member.muted and command.name in ("me", "msg"):
        return "you are muted"
    return None


def allows_with_empty_string(member, command):
    """Returns "" for allowed, instead of None."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    if command.speaks and member.muted:
        return "you are muted"
    return ""


def or_instead_of_and(member, command):
    """command.admin or not member.admin: refuses members everything."""
    if command.admin or not member.admin:
        return f"/{command.name} is for admins only"
    if command.speaks and member.muted:
        return "you are muted"
    return None


def raises_instead(member, command):
    """Raises CommandError instead of returning the reason."""
    from chatlesson.core.commands import CommandError
    if command.admin and not member.admin:
        raise CommandError(f"/{command.name} is for admins only")
    if command.speaks and member.muted:
        raise CommandError("you are muted")
    return None


CAUGHT.update({
    "admin_role_must_match": ("failed", "An admin may run /who, but refusal refused it", "every command a member may"),
    "admins_ignore_mute": ("failed", "A muted admin may not run /me, but refusal allowed it", "does not lift a mute"),
    "mute_blocks_admin_commands": ("failed", "A muted admin may run /kick, but refusal refused it", "muting only stops speaking"),
    "muted_skip_admin_rule": ("failed", "A muted member may not run /kick, but refusal allowed it", "muted or not"),
    "empty_reason": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
    "names_list_for_speaking": ("failed", "may not run /nick, but refusal allowed it", "command.speaks and member.muted"),
    "allows_with_empty_string": ("failed", "may run /kick, but refusal refused it", "Admins may run admin commands"),
    "or_instead_of_and": ("failed", "An admin may run /kick, but refusal refused it", "Admins may run admin commands"),
    "raises_instead": ("error", "raised an exception", ""),
})


def right_early_returns(member, command):
    """Right, written differently: the allowed cases return first."""
    if not command.admin and not command.speaks:
        return None
    if command.admin and not member.admin:
        return "admins only"
    if command.speaks and member.muted:
        return "muted"
    return None


def right_reasons_list(member, command):
    """Right, written differently: a list of reasons, the first one returned."""
    reasons = []
    if command.admin and not member.admin:
        reasons.append(f"/{command.name} needs an admin")
    if command.speaks and member.muted:
        reasons.append("you are muted")
    return reasons[0] if reasons else None


def right_any(member, command):
    """Right, written differently: a dict of rules."""
    rules = {"admin only": command.admin and not member.admin,
             "muted": command.speaks and member.muted}
    for reason, applies in rules.items():
        if applies:
            return reason
    return None


RIGHT += ["right_early_returns", "right_reasons_list", "right_any"]
