"""The UN Framework of Analysis for Atrocity Crimes (2014): risk factors and indicators.

Titles follow the Framework; definitions and indicators are concise statements in our own
words. Loaded by the data migration assessments/migrations/0002_framework_2014.py as catalogue
version 1. Never edit it once released: a revised catalogue is a new module and a new version.
"""

from __future__ import annotations

VERSION = 1
TITLE = "Framework of Analysis for Atrocity Crimes (2014)"

# (number, title, scope, definition, [(code, statement), ...])
FACTORS: tuple[tuple[int, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        1,
        "Situations of armed conflict or other forms of instability",
        "common",
        (
            "Conflict, crisis or upheaval that puts a State under strain and makes atrocity crimes "
            "more likely."
        ),
        (
            ("1.1", "Armed conflict, international or non-international, is under way or recent."),
            (
                "1.2",
                (
                    "A security crisis is unfolding, such as collapsing peace deals, conflict next "
                    "door, threatened intervention or terrorism."
                ),
            ),
            (
                "1.3",
                (
                    "A humanitarian emergency exists, including one caused by natural disaster or "
                    "epidemic."
                ),
            ),
            (
                "1.4",
                (
                    "Power has changed hands abruptly or irregularly, destabilising the political "
                    "order."
                ),
            ),
            (
                "1.5",
                (
                    "Power struggles or growing nationalist, armed or radical opposition movements "
                    "are destabilising politics."
                ),
            ),
            (
                "1.6",
                "Autocratic rule or severe political repression is generating political tension.",
            ),
            (
                "1.7",
                (
                    "Scarce resources, or disputes over their use or exploitation, are "
                    "destabilising the economy."
                ),
            ),
            ("1.8", "The national economy is in severe crisis."),
            (
                "1.9",
                (
                    "Acute poverty, mass unemployment or deep inequality between groups is "
                    "destabilising society."
                ),
            ),
            (
                "1.10",
                (
                    "Resistance to, or mass protest against, State authority or policies is "
                    "causing social unrest."
                ),
            ),
            (
                "1.11",
                (
                    "Identity-based exclusion or tension, real or perceived, or extremist identity "
                    "politics is fuelling unrest."
                ),
            ),
        ),
    ),
    (
        2,
        "Record of serious violations of international human rights and humanitarian law",
        "common",
        (
            "Past or ongoing serious violations of human rights or humanitarian law, especially "
            "unaddressed ones that signal a pattern and a risk of repetition."
        ),
        (
            (
                "2.1",
                (
                    "Serious past or present violations of human rights or humanitarian law remain "
                    "unprevented, unpunished or unaddressed."
                ),
            ),
            (
                "2.2",
                (
                    "Genocide, crimes against humanity, war crimes or incitement to them have "
                    "occurred in the past."
                ),
            ),
            (
                "2.3",
                "Serious violations are met with a policy or practice of impunity or tolerance.",
            ),
            (
                "2.4",
                (
                    "Authorities fail or refuse to use available means to stop planned, "
                    "foreseeable or ongoing serious violations."
                ),
            ),
            (
                "2.5",
                (
                    "Support continues for groups credibly accused of involvement in serious "
                    "violations."
                ),
            ),
            (
                "2.6",
                (
                    "Leaders or officials justify or deny serious violations, or give biased "
                    "accounts of them."
                ),
            ),
            (
                "2.7",
                "Reconciliation or transitional justice after conflict is absent or politicised.",
            ),
            (
                "2.8",
                (
                    "Impunity has produced widespread mistrust of State institutions or between "
                    "groups."
                ),
            ),
        ),
    ),
    (
        3,
        "Weakness of State structures",
        "common",
        (
            "Gaps in the State's legal and institutional set-up that reduce its ability to prevent "
            "atrocity crimes and protect its population."
        ),
        (
            (
                "3.1",
                (
                    "The legal framework protects poorly, with key international instruments "
                    "unratified or not incorporated."
                ),
            ),
            (
                "3.2",
                (
                    "Judicial, police and human rights institutions lack resources, training or "
                    "representative staffing."
                ),
            ),
            ("3.3", "The judiciary is neither independent nor impartial."),
            ("3.4", "Security forces are not under effective civilian control."),
            ("3.5", "Corruption is high or governance is poor."),
            (
                "3.6",
                (
                    "Oversight and accountability mechanisms, including avenues for victims to "
                    "seek redress, are missing or inadequate."
                ),
            ),
            (
                "3.7",
                (
                    "Armed forces, irregular forces or non-State armed groups lack training in "
                    "human rights and humanitarian law."
                ),
            ),
            (
                "3.8",
                (
                    "The State cannot ensure that its means and methods of warfare comply with "
                    "humanitarian law."
                ),
            ),
            (
                "3.9",
                (
                    "Resources for reform or institution-building, including regional or "
                    "international support, are insufficient."
                ),
            ),
            (
                "3.10",
                "Resources to carry out measures for protecting populations are insufficient.",
            ),
        ),
    ),
    (
        4,
        "Motives or incentives",
        "common",
        (
            "Reasons, goals or drivers that actors may invoke to justify violence against "
            "protected groups, populations or individuals."
        ),
        (
            (
                "4.1",
                (
                    "Political aims, especially gaining or consolidating power, could be served by "
                    "violence against a group."
                ),
            ),
            (
                "4.2",
                (
                    "Economic interests, such as protecting elite wealth or controlling resources, "
                    "drive hostility toward a group."
                ),
            ),
            (
                "4.3",
                (
                    "Strategic or military interests, such as seizing or holding territory and "
                    "resources, are at stake."
                ),
            ),
            ("4.4", "Actors seek to make an area homogeneous in identity or pursue similar aims."),
            (
                "4.5",
                (
                    "Protected groups or individuals are portrayed as a threat or as disloyal to a "
                    "cause."
                ),
            ),
            (
                "4.6",
                "Actors adhere to ideologies of group supremacy or extremist versions of identity.",
            ),
            (
                "4.7",
                "Past grievances, tensions or impunity are being exploited for political ends.",
            ),
            (
                "4.8",
                (
                    "Unaddressed past violence has left social trauma, grievance and a possible "
                    "desire for revenge."
                ),
            ),
        ),
    ),
    (
        5,
        "Capacity to commit atrocity crimes",
        "common",
        (
            "Conditions showing that relevant actors have the means and ability to carry out "
            "atrocity crimes."
        ),
        (
            (
                "5.1",
                (
                    "Personnel, arms and ammunition, or the money to procure them, are available "
                    "to potential perpetrators."
                ),
            ),
            (
                "5.2",
                "Potential perpetrators can transport and deploy personnel and distribute weapons.",
            ),
            ("5.3", "Potential perpetrators can recruit and mobilise large numbers of supporters."),
            ("5.4", "A strong culture of obedience to authority and group conformity prevails."),
            (
                "5.5",
                (
                    "Potential perpetrators have links with other armed forces or non-State armed "
                    "groups."
                ),
            ),
            (
                "5.6",
                (
                    "Commercial actors supply goods, services or technical help that could sustain "
                    "perpetrators."
                ),
            ),
            (
                "5.7",
                (
                    "Influential or wealthy national actors provide financial, political or other "
                    "backing."
                ),
            ),
            (
                "5.8",
                (
                    "External actors provide arms, funds, logistics, training or other support to "
                    "potential perpetrators."
                ),
            ),
        ),
    ),
    (
        6,
        "Absence of mitigating factors",
        "common",
        (
            "The absence or weakness of internal or external factors that could prevent atrocity "
            "crimes or limit their impact."
        ),
        (
            (
                "6.1",
                (
                    "Processes, institutions or resources that empower communities and individuals "
                    "are limited or absent."
                ),
            ),
            (
                "6.2",
                (
                    "National civil society is weak or unrepresentative, and media are not free, "
                    "diverse or independent."
                ),
            ),
            (
                "6.3",
                (
                    "International civil society shows little interest, and international media "
                    "have little access."
                ),
            ),
            (
                "6.4",
                (
                    "The UN, international NGOs or regional actors have little or no presence or "
                    "access to populations."
                ),
            ),
            (
                "6.5",
                (
                    "The State is not an active member of international or regional bodies with "
                    "binding obligations."
                ),
            ),
            (
                "6.6",
                (
                    "The State is isolated, with few political or economic ties to other States or "
                    "organisations."
                ),
            ),
            (
                "6.7",
                (
                    "The State cooperates poorly with international and regional human rights "
                    "mechanisms."
                ),
            ),
            (
                "6.8",
                (
                    "Parties to conflict show little willingness to negotiate, compromise or "
                    "accept international support."
                ),
            ),
            (
                "6.9",
                (
                    "Other States and international bodies will not help the State protect "
                    "populations, or act when it fails."
                ),
            ),
            (
                "6.10",
                (
                    "Neighbouring States refuse refuge, close borders, force returns or restrict "
                    "aid for people at risk."
                ),
            ),
            ("6.11", "No early warning mechanism relevant to atrocity prevention exists."),
        ),
    ),
    (
        7,
        "Enabling circumstances or preparatory action",
        "common",
        (
            "Events or measures, sudden or gradual, that create conditions for atrocity crimes or "
            "suggest they are being prepared."
        ),
        (
            (
                "7.1",
                (
                    "Emergency laws or extraordinary security measures are imposed that erode "
                    "fundamental rights."
                ),
            ),
            (
                "7.2",
                (
                    "Key State institutions are suspended or reshaped, excluding or "
                    "under-representing protected groups."
                ),
            ),
            (
                "7.3",
                (
                    "The security apparatus is expanded, reorganised or mobilised against "
                    "protected groups or populations."
                ),
            ),
            (
                "7.4",
                (
                    "Large quantities of arms, ammunition or other objects usable to inflict harm "
                    "are being acquired."
                ),
            ),
            ("7.5", "Militias or paramilitary groups are created or receive increased support."),
            ("7.6", "Communication channels are tightly controlled, restricted or shut down."),
            (
                "7.7",
                (
                    "NGOs, international organisations or media are expelled, barred or severely "
                    "restricted."
                ),
            ),
            (
                "7.8",
                (
                    "Violations against members of protected groups rise, or new discriminatory "
                    "measures or laws target them."
                ),
            ),
            (
                "7.9",
                (
                    "Serious violence against women and children increases, including sexual "
                    "violence used to terrorise."
                ),
            ),
            (
                "7.10",
                (
                    "Protected groups are segregated, deported, forcibly displaced or confined "
                    "under life-threatening conditions."
                ),
            ),
            (
                "7.11",
                (
                    "Essential goods, installations or cultural and religious property of "
                    "protected groups are destroyed or looted."
                ),
            ),
            ("7.12", "People or their property are marked according to group affiliation."),
            ("7.13", "Identity, past events or motives for violence are increasingly politicised."),
            (
                "7.14",
                (
                    "Inflammatory rhetoric, propaganda or hate speech targeting protected groups "
                    "is increasing."
                ),
            ),
        ),
    ),
    (
        8,
        "Triggering factors",
        "common",
        (
            "Events, even seemingly unrelated ones, that can sharply worsen existing conditions or "
            "spark the onset of atrocity crimes."
        ),
        (
            ("8.1", "Security forces are suddenly deployed or armed hostilities begin."),
            (
                "8.2",
                (
                    "Armed conflict or serious tension in a neighbouring country spills over the "
                    "border."
                ),
            ),
            ("8.3", "International measures are perceived as threatening the State's sovereignty."),
            (
                "8.4",
                (
                    "Regime change, irregular transfer of power or a shift in groups' political "
                    "power occurs abruptly."
                ),
            ),
            (
                "8.5",
                (
                    "Leaders, prominent figures or members of opposing groups are attacked, or "
                    "terrorist attacks occur."
                ),
            ),
            (
                "8.6",
                (
                    "Religious events or perceived acts of religious intolerance or disrespect "
                    "occur, even abroad."
                ),
            ),
            (
                "8.7",
                "Acts of incitement or hate propaganda target particular groups or individuals.",
            ),
            ("8.8", "A census, election or related pivotal step takes place or is destabilised."),
            (
                "8.9",
                (
                    "Sudden economic or labour-market shocks occur, such as financial crises, "
                    "disasters or epidemics."
                ),
            ),
            (
                "8.10",
                (
                    "Natural resources are discovered or exploited in ways that gravely affect the "
                    "livelihoods of groups."
                ),
            ),
            (
                "8.11",
                (
                    "Commemorations of past crimes or traumatic episodes inflame tensions or "
                    "glorify perpetrators."
                ),
            ),
            (
                "8.12",
                "Accountability processes take place, especially if they are perceived as unfair.",
            ),
        ),
    ),
    (
        9,
        "Intergroup tensions or patterns of discrimination against protected groups",
        "genocide",
        (
            "Past or present conduct revealing serious prejudice against protected groups and "
            "straining relations among groups or with the State."
        ),
        (
            (
                "9.1",
                (
                    "Protected groups face serious discriminatory, segregating or exclusionary "
                    "laws, policies or practices."
                ),
            ),
            (
                "9.2",
                (
                    "The existence of protected groups, or elements of their identity, is "
                    "officially denied."
                ),
            ),
            (
                "9.3",
                (
                    "Atrocity crimes have been committed against protected groups in the past with "
                    "impunity."
                ),
            ),
            (
                "9.4",
                (
                    "Serious tensions exist between protected groups, or with the State, over "
                    "rights, resources, power or identity."
                ),
            ),
            (
                "9.5",
                (
                    "Tensions among political, social or regional groups risk hardening along "
                    "ethnic, national, racial or religious lines."
                ),
            ),
            (
                "9.6",
                (
                    "No national mechanisms or initiatives exist to manage identity-based tensions "
                    "or conflict."
                ),
            ),
        ),
    ),
    (
        10,
        "Signs of an intent to destroy in whole or in part a protected group",
        "genocide",
        (
            "Facts or circumstances suggesting an intent to destroy, wholly or partly, a national, "
            "ethnic, racial or religious group."
        ),
        (
            (
                "10.1",
                (
                    "Documents, speeches or media reveal or imply an intent, or incitement, to "
                    "destroy a protected group."
                ),
            ),
            (
                "10.2",
                (
                    "Members of a protected group, or selected parts of it, are being physically "
                    "eliminated."
                ),
            ),
            (
                "10.3",
                (
                    "Widespread or systematic violence or discrimination targets the life, liberty "
                    "or integrity of a protected group."
                ),
            ),
            (
                "10.4",
                (
                    "Measures restrict births within a protected group or remove its children to "
                    "another group."
                ),
            ),
            (
                "10.5",
                (
                    "Violence against a protected group is dehumanising, humiliating or meant to "
                    "terrorise and fragment it."
                ),
            ),
            (
                "10.6",
                (
                    "Particularly harmful or prohibited means of violence, including banned "
                    "weapons, are used against a protected group."
                ),
            ),
            (
                "10.7",
                (
                    "Perpetrators publicly celebrate their control over a protected group and its "
                    "existence."
                ),
            ),
            (
                "10.8",
                (
                    "Homes, farms, businesses, livelihoods or cultural and religious sites of a "
                    "protected group are destroyed."
                ),
            ),
            (
                "10.9",
                (
                    "Leaders, intellectuals or other prominent members of a protected group are "
                    "singled out for attack."
                ),
            ),
            (
                "10.10",
                (
                    "A protected group is subjected to conditions of life, such as denial of food "
                    "or medicine, threatening its survival."
                ),
            ),
            (
                "10.11",
                "Sexual violence is used systematically against members of a protected group.",
            ),
            (
                "10.12",
                (
                    "The scale or nature of violence against a protected group exceeds any stated "
                    "military or security aim."
                ),
            ),
        ),
    ),
    (
        11,
        "Signs of a widespread or systematic attack against any civilian population",
        "crimes_against_humanity",
        (
            "Conduct suggesting violence against civilians that is large in scale, or organised "
            "and following a regular pattern."
        ),
        (
            (
                "11.1",
                (
                    "Patterns of violence target civilians or an identifiable group, their "
                    "property, livelihoods or cultural symbols."
                ),
            ),
            (
                "11.2",
                (
                    "The number of civilian groups or geographic areas targeted by violence is "
                    "growing."
                ),
            ),
            ("11.3", "Violent acts against civilians are rising in number, gravity or frequency."),
            (
                "11.4",
                (
                    "Attacks on civilians follow similar methods or patterns across different "
                    "places or times."
                ),
            ),
            ("11.5", "Attacks cause large numbers of civilian victims."),
            (
                "11.6",
                "Civilians are arbitrarily detained in large numbers, or detention sites multiply.",
            ),
            (
                "11.7",
                (
                    "Killings, torture, enforced disappearances or sexual violence against "
                    "civilians are repeatedly reported."
                ),
            ),
            (
                "11.8",
                (
                    "Civilians are deported or forcibly transferred from areas where they lawfully "
                    "live."
                ),
            ),
            ("11.9", "Attacks on civilians appear organised rather than random or isolated."),
            (
                "11.10",
                (
                    "Civilians are persecuted and denied fundamental rights on political, ethnic, "
                    "religious, gender or other grounds."
                ),
            ),
        ),
    ),
    (
        12,
        "Signs of a plan or policy to attack any civilian population",
        "crimes_against_humanity",
        (
            "Facts suggesting a State or organisational policy, even an unstated one, to commit "
            "serious violence against civilians."
        ),
        (
            (
                "12.1",
                (
                    "Official statements, records or media reveal a direction or call to commit "
                    "serious violence against civilians."
                ),
            ),
            (
                "12.2",
                (
                    "Security procedures are applied in a discriminatory way to different parts of "
                    "the population."
                ),
            ),
            (
                "12.3",
                (
                    "Measures alter the ethnic, religious, racial or political make-up of the "
                    "population or of an area."
                ),
            ),
            ("12.4", "Parallel structures or focal points are set up to coordinate violent acts."),
            (
                "12.5",
                (
                    "State institutions or senior political or military figures are involved in "
                    "violent acts."
                ),
            ),
            (
                "12.6",
                (
                    "Significant public or private resources, military or otherwise, are prepared "
                    "or used for violence."
                ),
            ),
            (
                "12.7",
                (
                    "Armed forces, militias or other groups are mobilised, recruited or trained "
                    "for operations against civilians."
                ),
            ),
            ("12.8", "Lists of targeted individuals or communities are compiled or circulated."),
            (
                "12.9",
                "Weapons are distributed to militias or civilian supporters ahead of violence.",
            ),
            (
                "12.10",
                (
                    "Media or propaganda campaigns portray a civilian population as the enemy or a "
                    "threat."
                ),
            ),
            (
                "12.11",
                (
                    "Authorities tolerate, condone or fail to punish attacks on civilians by "
                    "subordinates or allies."
                ),
            ),
            (
                "12.12",
                (
                    "Violence against civilians is coordinated and follows identifiable "
                    "instructions or orders."
                ),
            ),
            (
                "12.13",
                (
                    "Evidence of attacks on civilians is destroyed or concealed to avoid "
                    "accountability."
                ),
            ),
            (
                "12.14",
                (
                    "Independent observers, journalists or investigators are kept out of areas "
                    "where civilians are attacked."
                ),
            ),
            (
                "12.15",
                (
                    "Laws or decrees are adopted that legitimise or facilitate violence against "
                    "particular civilian groups."
                ),
            ),
            (
                "12.16",
                (
                    "Security forces use force against civilians that is clearly disproportionate "
                    "to any threat."
                ),
            ),
        ),
    ),
    (
        13,
        "Serious threats to those protected under international humanitarian law",
        "war_crimes",
        (
            "Conduct in armed conflict that seriously threatens the life and physical integrity of "
            "civilians and others protected by humanitarian law."
        ),
        (
            (
                "13.1",
                (
                    "Parties to the conflict are fragmented, or their chains of command are weak "
                    "or absent."
                ),
            ),
            (
                "13.2",
                (
                    "Opposing parties mistrust each other because commitments or agreements have "
                    "been broken."
                ),
            ),
            ("13.3", "Radicalisation or extremism is growing among parties to the conflict."),
            (
                "13.4",
                (
                    "Ethnicity or religion is promoted as the test of loyalty to the nation or to "
                    "a party."
                ),
            ),
            (
                "13.5",
                (
                    "Parties dehumanise the enemy or particular groups, or show contempt for their "
                    "culture and religion."
                ),
            ),
            (
                "13.6",
                (
                    "Measures severely curtail the rights of protected persons, including those "
                    "seen as aligned with the enemy."
                ),
            ),
            (
                "13.7",
                (
                    "Plans or rhetoric threaten or incite violence against civilians and others "
                    "protected by humanitarian law."
                ),
            ),
            (
                "13.8",
                (
                    "Access to supplies, facilities or aid indispensable to the survival of "
                    "protected persons is obstructed."
                ),
            ),
            (
                "13.9",
                (
                    "Logistics are prepared to move or confine large numbers of people, or to "
                    "conduct medical experiments."
                ),
            ),
            (
                "13.10",
                (
                    "Prohibited or inherently indiscriminate weapons are developed, produced, "
                    "stockpiled or acquired."
                ),
            ),
            (
                "13.11",
                (
                    "Orders, doctrine or practice disregard the distinction between combatants and "
                    "civilians or deny quarter."
                ),
            ),
        ),
    ),
    (
        14,
        "Serious threats to humanitarian or peacekeeping operations",
        "war_crimes",
        (
            "Conduct in armed conflict that endangers the protection owed to humanitarian and "
            "peacekeeping personnel who take no part in hostilities."
        ),
        (
            (
                "14.1",
                (
                    "Humanitarian workers or peacekeepers are threatened, attacked, abducted or "
                    "killed."
                ),
            ),
            (
                "14.2",
                (
                    "Humanitarian access is arbitrarily denied, delayed or obstructed by parties "
                    "to the conflict."
                ),
            ),
            (
                "14.3",
                "Aid convoys, supplies, premises or equipment are attacked, looted or diverted.",
            ),
            (
                "14.4",
                (
                    "Peacekeepers' freedom of movement or ability to carry out their mandate is "
                    "restricted."
                ),
            ),
            (
                "14.5",
                (
                    "Protective emblems such as the red cross, red crescent or UN insignia are "
                    "misused."
                ),
            ),
            (
                "14.6",
                (
                    "Rhetoric or disinformation portrays humanitarian or peacekeeping personnel as "
                    "partisan or as enemies."
                ),
            ),
            (
                "14.7",
                (
                    "Humanitarian or peacekeeping staff are expelled, refused visas or obstructed "
                    "by administrative means."
                ),
            ),
        ),
    ),
)
