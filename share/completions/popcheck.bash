# bash completion for popcheck(1). Installed as share/bash-completion/completions/popcheck.
# Self-contained (does not need the bash-completion package's helpers).

_popcheck_rules() {
  # Rule ids and names, from the installed binary so the list cannot go stale.
  "${COMP_WORDS[0]}" explain --list 2>/dev/null | sed -n 's/^\([A-Z0-9]*\) *[a-z]* *\([a-z0-9-]*\):.*/\1 \2/p'
}

_popcheck() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local verbs="parse compile diff lint explain run probe selftest proxy"
  local verb="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      parse | compile | diff | lint | explain | run | probe | selftest | proxy)
        verb=${COMP_WORDS[i]}
        break
        ;;
    esac
  done
  if [[ -z $verb ]]; then
    COMPREPLY=($(compgen -W "$verbs --help --version" -- "$cur"))
    return
  fi

  local dialogue="--format -o --output --no-color -v --verbose --user --password --var --insecure
    --ca --sni --cert --key -j --jobs --step-timeout --check-timeout"
  local opts=""
  case $verb in
    parse) opts="--dump --indent -o --output" ;;
    compile) opts="--dump --hostname --no-resolve --no-file-checks --check-users --check-binds -o --output --indent" ;;
    diff) opts="--format --dump --old-dump --new-dump --hostname --resolve --file-checks -o --output" ;;
    lint)
      opts="--format -o --output --fail-on --only --skip --target-version --dump --no-file-checks --check-users
        --check-binds --no-resolve --hostname --color --no-color --show-suppressed --show-defaults --base-dir --docs-url
        --path-map --max-findings --config --no-config --no-progress"
      ;;
    explain) opts="--list --markdown" ;;
    run) opts="--target $dialogue" ;;
    probe) opts="--config --dump --server --hostname --tls --protocol --read-only --no-read-only --target --targets $dialogue" ;;
    selftest) opts="--backend --hostname --ports $dialogue" ;;
    proxy)
      opts="-c -p --prefix --listen-override --backend --workers --log-level -e --error-log
        --access-log --grace --hostname -t --test"
      ;;
  esac
  opts="$opts -h --help"

  case $prev in
    --format)
      if [[ $verb == lint ]]; then
        COMPREPLY=($(compgen -W "text json sarif junit codequality" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "text json junit openmetrics" -- "$cur"))
      fi
      return
      ;;
    --fail-on)
      COMPREPLY=($(compgen -W "error warning info none" -- "$cur"))
      return
      ;;
    --target-version)
      COMPREPLY=($(compgen -W "1.22 1.24 1.26 1.28" -- "$cur"))
      return
      ;;
    --log-level)
      COMPREPLY=($(compgen -W "debug info notice warn error crit alert emerg" -- "$cur"))
      return
      ;;
    --access-log)
      COMPREPLY=($(compgen -W "stderr stdout off" -- "$cur") $(compgen -f -- "$cur"))
      return
      ;;
    --only | --skip)
      # A comma-separated list: complete its last item.
      local head="" last=$cur
      if [[ $cur == *,* ]]; then
        head=${cur%,*},
        last=${cur##*,}
      fi
      COMPREPLY=($(compgen -P "$head" -W "$(_popcheck_rules)" -- "$last"))
      return
      ;;
    -o | --output | --config | --base-dir | -c | -p | --prefix | -e | --error-log | --ca | --cert | --key)
      COMPREPLY=($(compgen -f -- "$cur"))
      compopt -o filenames 2>/dev/null
      return
      ;;
    --indent | --hostname | --target | --server | --user | --password | --var | -j | --jobs | \
      --step-timeout | --check-timeout | --sni | --backend | --ports | --listen-override | \
      --workers | --grace)
      return
      ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $verb == explain ]]; then
    COMPREPLY=($(compgen -W "$(_popcheck_rules)" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
    compopt -o filenames 2>/dev/null
  fi
}

complete -F _popcheck popcheck
